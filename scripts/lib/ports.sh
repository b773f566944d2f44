# shellcheck shell=bash
# True when something accepts TCP connections on 127.0.0.1:$1 (bash's /dev/tcp: no nc or ss needed).
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
