#!/bin/sh
# nexhina.fcgi: the FcgidWrapper of Nexhina on shared hosting.
#
# Apache's mod_fcgid runs this with a listening socket on fd 0 whenever it
# needs one more process, sends each process one request at a time, and
# stops idle ones with SIGTERM.  `exec` keeps fd 0 and makes Nexhina the
# very process mod_fcgid watches; --single tells it to serve requests
# itself, with no master, workers or housekeeper of its own (cron runs
# `nexhina housekeep` instead).  It lives in NEXHINA_HOME (setup.sh puts
# it there) and finds everything relative to itself: mod_fcgid starts it
# with an almost empty environment (no $HOME).
here=$(cd "$(dirname "$0")" && pwd) || exit 1
# Libraries the host lacks, unpacked by hand (README.md, step 1).
if [ -d "$here/lib" ]; then
	LD_LIBRARY_PATH=$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
fi
exec "$here/bin/nexhina" serve --single -c "$here/etc/nexhina.conf"
