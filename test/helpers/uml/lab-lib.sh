# Shell helpers for the IPVS lab, sourced by each command the tests run inside the UML guest. W is the shared work
# folder (writable); everything else of the guest's root is the host's, read-only.
#
#   client ──┐                          (cli 10.0.0.2)
#   dir1  ───┤ br0 in ivl-sw            (directors 10.0.0.1, 10.0.0.3; VIP 10.0.0.100)
#   dir2  ───┤
#   rs1..3 ──┘                          (real servers 10.0.0.11-13, HTTP on 80 answering their name, echo on 9000)
set -u
VIP=10.0.0.100
ns() { local n=$1; shift; ip netns exec "ivl-$n" "$@"; }

# The LAN: a switch namespace with a bridge, one veth per host.
lab_topology() {
  ip netns add ivl-sw
  ip -n ivl-sw link add br0 type bridge
  ip -n ivl-sw link set br0 up
  local n addr
  for spec in cli:10.0.0.2 dir1:10.0.0.1 dir2:10.0.0.3 rs1:10.0.0.11 rs2:10.0.0.12 rs3:10.0.0.13; do
    n=${spec%%:*}; addr=${spec#*:}
    ip netns add "ivl-$n"
    ip -n "ivl-$n" link set lo up
    ip link add eth0 netns "ivl-$n" type veth peer name "p-$n" netns ivl-sw
    ip -n ivl-sw link set "p-$n" master br0 up
    ip -n "ivl-$n" link set eth0 up
    ip -n "ivl-$n" addr add "$addr/24" dev eth0
  done
  for n in dir1 dir2; do
    ns $n sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 net.ipv4.conf.eth0.send_redirects=0
    ns $n sysctl -qw net.ipv4.vs.conntrack=0 2>/dev/null || true
  done
  mkdir -p "$W/www"
  for n in rs1 rs2 rs3; do
    mkdir -p "$W/www/$n"; echo "$n" >"$W/www/$n/index.html"
    ns $n sysctl -qw net.ipv4.conf.all.accept_redirects=0 net.ipv4.conf.eth0.accept_redirects=0
  done
}

# Real servers: HTTP (busybox httpd, one connection per request) and a line echo service on 9000.
httpd_start() { ip netns exec "ivl-$1" busybox httpd -f -p 80 -h "$W/www/$1" & echo $! >"/run/httpd-$1.pid"; }
httpd_stop() { kill "$(cat "/run/httpd-$1.pid")" 2>/dev/null; rm -f "/run/httpd-$1.pid"; }
echo_start() { ip netns exec "ivl-$1" busybox nc -ll -p 9000 -e /bin/cat & echo $! >"/run/echo-$1.pid"; }

# Forwarding modes on the real servers' side.
# NAT: replies to the client must go back through the director (the client is on the same LAN).
rs_nat() { for n in rs1 rs2 rs3; do ip -n "ivl-$n" route replace 10.0.0.2/32 via "${1:-10.0.0.1}"; done; }
rs_vip_on() { # DR: the VIP on lo; TUN: on tunl0 (ipip); never answering ARP for it
  local dev=$1 n
  for n in rs1 rs2 rs3; do
    if [ "$dev" = tunl0 ]; then ip -n "ivl-$n" link set tunl0 up; ns $n sysctl -qw net.ipv4.conf.tunl0.rp_filter=0; fi
    ip -n "ivl-$n" addr replace "$VIP/32" dev "$dev"
    ns $n sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.all.rp_filter=0 \
      net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2 net.ipv4.conf.eth0.rp_filter=0
  done
}
rs_reset() { # back to plain hosts
  local n
  for n in rs1 rs2 rs3; do
    ip -n "ivl-$n" route del 10.0.0.2/32 2>/dev/null
    ip -n "ivl-$n" addr del "$VIP/32" dev lo 2>/dev/null
    ip -n "ivl-$n" addr del "$VIP/32" dev tunl0 2>/dev/null
  done
  ip -n ivl-cli neigh flush all
  return 0
}

# N requests from the client to URL (each a new connection): the answers, one per line; a request that got none
# is a line "FAILED <curl's error>", so a test sees how many failed and why, not only the answers that came.
requests() { local url=$1 n=$2 i out
  for ((i = 0; i < n; i++)); do
    if out=$(ns cli curl -sS -m 3 "$url" 2>&1); then echo "$out"; else echo "FAILED ${out//$'\n'/ }"; fi
  done; }

# keepalived and vipd on one configuration, in the director namespace.
ka_start() { # conf [ns]
  ip netns exec "ivl-${2:-dir1}" keepalived -n -l -D -C -f "$1" -p "/run/ka-${2:-dir1}.pid" -c "/run/kac-${2:-dir1}.pid" \
    -r "/run/kav-${2:-dir1}.pid" >"$W/keepalived-${2:-dir1}.log" 2>&1 &
  echo $! >"/run/ka-main-${2:-dir1}.pid"
}
ka_vrrp_start() { # conf [ns]: keepalived's VRRP process only (ka_start runs its checker only)
  ip netns exec "ivl-${2:-dir1}" keepalived -n -l -D -P -f "$1" -p "/run/ka-${2:-dir1}.pid" -c "/run/kac-${2:-dir1}.pid" \
    -r "/run/kav-${2:-dir1}.pid" >"$W/keepalived-${2:-dir1}.log" 2>&1 &
  echo $! >"/run/ka-main-${2:-dir1}.pid"
}
ka_stop() { local p; p=$(cat "/run/ka-main-${1:-dir1}.pid" 2>/dev/null) || return 0; kill -TERM "$p" 2>/dev/null
  for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; rm -f "/run/ka-main-${1:-dir1}.pid"; }
vipd_start() { # conf [ns]
  ip netns exec "ivl-${2:-dir1}" "$REPO/dist/vipd.js" run -f "$1" --control-socket "/run/vipd-${2:-dir1}.sock" \
    --pid-file "/run/vipd-${2:-dir1}.pid" --log-level info >>"$W/vipd-${2:-dir1}.log" 2>&1 &
  echo $! >"/run/vipd-main-${2:-dir1}.pid"
}
vipd_stop() { local p; p=$(cat "/run/vipd-main-${1:-dir1}.pid" 2>/dev/null) || return 0; kill -TERM "$p" 2>/dev/null
  for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done; rm -f "/run/vipd-main-${1:-dir1}.pid"; }
vipd_kill9() { kill -KILL "$(cat "/run/vipd-main-${1:-dir1}.pid")"; rm -f "/run/vipd-main-${1:-dir1}.pid"; }

# The director's table as ipvsadm saves it, sorted (the kernel lists destinations newest first). Fails (rc 2) when
# ipvsadm does, so a wait for "no longer in the table" can never be met by a table that could not be read.
table() { local t; t=$(ns "${1:-dir1}" ipvsadm -Sn) || return 2; [ -z "$t" ] || sort <<<"$t"; }
# Whether the table (read once) has every pattern given after --has and none after --not.
table_is() { local t want=has p; t=$(table "${DIR:-dir1}") || return 2
  for p in "$@"; do
    case $p in --has) want=has ;; --not) want=not ;;
    *) if [ $want = has ]; then grep -qF -- "$p" <<<"$t" || return 1; else ! grep -qF -- "$p" <<<"$t" || return 1; fi ;;
    esac
  done; }
# Waits (at most LIMIT_S, default 20) until DIR's table is the one in FILE: a director slowed down by a loaded
# machine gives its first checker verdicts later, and a table stable for a while says nothing of verdicts to come.
table_reaches() { local t0; t0=$(uptime_ms)
  while (( $(uptime_ms) - t0 < ${3:-20} * 1000 )); do [ "$(table "$1")" = "$(cat "$2")" ] && return 0; sleep 0.1; done; }
# Waits until the table has been the same for STABLE_MS of real time (default 1500) and prints it; at most LIMIT_S.
uptime_ms() { local u; u=$(cut -d' ' -f1 /proc/uptime); echo $(( ${u%.*} * 1000 + 10#${u#*.} * 10 )); }
stable_table() { local want=${2:-1500} limit=${3:-30} last="" now t0 since
  t0=$(uptime_ms); since=$t0
  while (( $(uptime_ms) - t0 < limit * 1000 )); do
    now=$(table "${1:-dir1}")
    if [ -z "$now" ] || [ "$now" != "$last" ]; then last=$now; since=$(uptime_ms)
    elif (( $(uptime_ms) - since >= want )); then break; fi
    sleep 0.05
  done
  printf '%s\n' "$last"
}
