/*
 * tokdata.S: links the generated token tables into the binary as
 * read-only data, tok_data .. tok_data_end (read by app/tokens.c).
 * TOKDATA_BIN is the blob's path, $(BUILD)/gen/tokdata.bin, written by
 * tools/tokens/gen.mjs; .incbin keeps compiling it instant, whatever its
 * size.
 */
	.section .rodata.tokdata, "a"
	.balign	64
	.globl	tok_data
	.type	tok_data, %object
tok_data:
	.incbin	TOKDATA_BIN
	.globl	tok_data_end
tok_data_end:
	.size	tok_data, tok_data_end - tok_data
	.section .note.GNU-stack, "", %progbits
