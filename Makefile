# Nexhina build.  Plain GNU make + pkg-config; see README.md.
#
# Sources are found by wildcard so that adding a file needs no edit here:
#   app/*.c app/providers/*.c handlers/*.c  -> linked into nexhina and nexhinactl
#   tools/nexhinactl/*.c                     -> nexhinactl (links the app's modules)
#   tools/mock-upstream/*.c                  -> mock-upstream (shares no code with app/)
#   tests/unit/test_*.c                      -> one unit-test binary each

BUILD	?= build
CC	?= cc
PKGS	= fcgi libcurl libcjson libmariadb libcrypto libcrypt
WARN	= -Wall -Wextra -Wformat=2 -Wshadow -Wmissing-prototypes \
	  -Wno-unused-parameter
CFLAGS	?= -O2 -g
override CFLAGS += -std=gnu11 -pthread $(WARN) -I. -Iapp -MMD -MP
override CFLAGS += $(shell pkg-config --cflags $(PKGS) libmicrohttpd 2>/dev/null)
LDLIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lb64 -lpthread -lm
MOCK_LIBS = $(shell pkg-config --libs libmicrohttpd libcjson 2>/dev/null) -lpthread

APP_SRC	= $(filter-out app/main.c,$(wildcard app/*.c app/providers/*.c)) \
	  $(wildcard handlers/*.c handlers/admin/*.c)
APP_OBJ	= $(APP_SRC:%.c=$(BUILD)/%.o)
# Token tables for app/tokens.c, generated (tools/tokens/README.md).
TOKDATA	= $(BUILD)/gen/tokdata.bin
APP_OBJ	+= $(BUILD)/gen/tokdata.o
CTL_OBJ	= $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/nexhinactl/*.c))
MOCK_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tools/mock-upstream/*.c))
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

BINS	= $(BUILD)/nexhina $(BUILD)/nexhinactl $(BUILD)/mock-upstream

.PHONY: all run test unit lint asan deps clean fuzz bench
all: $(BINS) $(UNIT_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(TOKDATA): tools/tokens/gen.mjs tools/tokens/package-lock.json
	@mkdir -p $(dir $@)
	node tools/tokens/gen.mjs $@

$(BUILD)/gen/tokdata.o: tools/tokens/tokdata.S $(TOKDATA)
	$(CC) -c -DTOKDATA_BIN='"$(TOKDATA)"' -o $@ tools/tokens/tokdata.S

$(BUILD)/nexhina: $(BUILD)/app/main.o $(APP_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/nexhinactl: $(CTL_OBJ) $(APP_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/mock-upstream: $(MOCK_OBJ)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(MOCK_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(APP_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Installs the Debian and npm packages that are missing (idempotent).
deps:
	@tools/stack/deps.sh

# Build, start MariaDB, the mock upstream, the workers and lighttpd.
run: deps
	@$(MAKE) -s all
	@tools/stack/run.sh

unit: all
	@tests/run.sh --unit-only

test: deps
	@$(MAKE) -s all
	@tests/run.sh

# -Werror build in its own tree, plus the banned-function check.
lint:
	@$(MAKE) -s BUILD=build/lint CFLAGS="-O2 -g -Werror" all
	@tools/lint-banned.sh

asan: deps
	@$(MAKE) -s BUILD=build/asan \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" all
	@BUILD=build/asan ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:detect_stack_use_after_return=1 tests/run.sh

bench: deps all
	@tools/bench/run.sh

# libFuzzer harnesses tests/fuzz/fuzz_*.c, each run for FUZZ_SECONDS
# on its committed seed corpus tests/fuzz/corpus/<name>/.
fuzz: deps
	@tests/fuzz/run.sh

clean:
	rm -rf $(BUILD)

# ---- install and package (README "Install"; packaging/) ----
# make install [PREFIX=/usr/local] [DESTDIR=/staging/root]: the built
# binaries, config sample, schema, console, units and kits into an FHS
# tree (packaging/install.sh says what goes where).  An existing
# SYSCONFDIR/nexhina/nexhina.conf is never overwritten.
PREFIX	?= /usr/local
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
RUNSTATEDIR ?= /run
UNITDIR	?= $(PREFIX)/lib/systemd/system

.PHONY: install deb
install: $(BUILD)/nexhina $(BUILD)/nexhinactl
	@BUILD="$(BUILD)" DESTDIR="$(DESTDIR)" PREFIX="$(PREFIX)" \
	  SYSCONFDIR="$(SYSCONFDIR)" LOCALSTATEDIR="$(LOCALSTATEDIR)" \
	  RUNSTATEDIR="$(RUNSTATEDIR)" UNITDIR="$(UNITDIR)" \
	  packaging/install.sh

# make deb: $(BUILD)/nexhina_VERSION_ARCH.deb from a hardened build in
# $(BUILD)/deb (packaging/deb.sh); check it with lintian.
deb:
	@BUILD="$(BUILD)" packaging/deb.sh

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
