/*
 * version.h: the release of this tree.  One place: `nexhina version`,
 * the status channel, `nexhinactl status` and `make deb` (which reads the
 * string below to name the package) all take it from here.
 */
#ifndef NX_VERSION_H
#define NX_VERSION_H

#ifndef NX_VERSION
#define NX_VERSION	"0.1.0"
#endif

#endif
