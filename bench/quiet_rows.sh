#!/bin/sh
# Issue 14's rows, one run each on a quiet machine: analyze in one process
# (LABSHARK_SPLIT=0), analyze as it defaults (two processes when a core is idle) and
# tshark -n, one after the other; the two analyze outputs compared by checksum (-V of
# 1M packets is gigabytes: not kept).
#   sh bench/quiet_rows.sh BIG.pcap [CUT.pcap]  (the 1M capture; -V and -T json run on
#                                                CUT if given, else on BIG, as issue 14 asks)
# ROWS="match c10" runs only the rows named (default: all of them, in this order):
#   udp69 syn ip10 (filtered lists), whole (no filter), V, json, match ("which frames
#   match": -T fields -e frame.number, target 10x tshark), c10 (-c 10: under a second).
big=${1:?the 1M capture}; cut=${2:-$big}
A=${ANALYZE:-.venv/bin/analyze}
ROWS=${ROWS:-udp69 syn ip10 whole V json match c10}
want() { case " $ROWS " in *" $1 "*) return 0 ;; esac; return 1; }
row() {  # row FILE ARGS...
    f=$1; shift
    uptime
    LABSHARK_SPLIT=0 /usr/bin/time -f "analyze one [$*] %e wall %U user %S sys %M KB" sh -c '"$0" -r "$@" | cksum' "$A" "$f" "$@" > /tmp/quiet_rows.1
    /usr/bin/time -f "analyze default [$*] %e wall %U user %S sys %M KB" sh -c '"$0" -r "$@" | cksum' "$A" "$f" "$@" > /tmp/quiet_rows.2
    cmp /tmp/quiet_rows.1 /tmp/quiet_rows.2 && echo "same output (cksum, bytes): $(cat /tmp/quiet_rows.1)"
    /usr/bin/time -f "tshark [$*] %e wall %U user %S sys %M KB" tshark -n -r "$f" "$@" > /dev/null
}
want udp69 && row "$big" -Y "udp.port == 69"
want syn && row "$big" -Y "tcp.flags.syn == 1"
want ip10 && row "$big" -Y "ip.addr == 10.0.0.0/8"
want whole && row "$big"
want V && row "$cut" -V
want json && row "$cut" -T json
want match && row "$big" -Y "udp.port == 69" -T fields -e frame.number
want c10 && row "$big" -c 10
rm -f /tmp/quiet_rows.1 /tmp/quiet_rows.2
