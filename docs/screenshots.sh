#!/usr/bin/env bash
# Runs the real app under Xvfb and saves a screenshot of each main screen to
# docs/screenshots/: a server, a bot ("ada"), and two app instances (alice
# and bob, each on its own virtual display and with its own home) that sign
# in with --auto-login; alice calls bob, bob answers, alice creates a
# meeting and invites ada into the call, bob hangs up. Grace (a bot) greets
# alice and sends her a file when she comes online (alice is asked first and
# accepts), linus sends her one with `huddle send` (alice always accepts
# from him), and alice answers grace; alice rings bob and gives up, and
# bob opens his call log. Fails if a click changes nothing or on any "Error in Fyne
# call thread" in the logs.
#
#   docs/screenshots.sh            (installs xvfb, xdotool, imagemagick if missing)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/docs/screenshots"
WORK=$(mktemp -d)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$WORK"
}
trap cleanup EXIT

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v import >/dev/null || need+=(imagemagick)
if [ ${#need[@]} -gt 0 ]; then
	echo "installing ${need[*]}"
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
	$sudo apt-get install -y -q "${need[@]}" >/dev/null
fi

echo "building"
(cd "$ROOT" && go build -tags migrated_fynedo -o "$WORK/huddle" .)
H="$WORK/huddle"
PORT=${PORT:-17090}
URL="ws://127.0.0.1:$PORT/ws"
W=900 HGT=640

"$H" serve --demo --addr "127.0.0.1:$PORT" --data "$WORK/data" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done
# Files that go across: grace sends slides, linus notes.
head -c $((3 << 20)) /dev/urandom >"$WORK/design-slides.pdf"
head -c $((1 << 20)) /dev/urandom >"$WORK/meeting-notes.txt"
# Contacts to show: two bots online, one who was here and left (offline).
# Grace greets alice and sends her the slides once she is online.
for b in ada grace linus; do
	extra=()
	[ "$b" = grace ] && extra=(--to alice --say "Hi Alice! Here are the slides for the review."
		--say "Tell me if the charts read well." --send-file "$WORK/design-slides.pdf")
	"$H" bot --name "$b" --server "$URL" --ring 1s "${extra[@]}" >"$WORK/bot-$b.log" 2>&1 &
	PIDS+=($!)
	[ "$b" = linus ] && LINUS=$!
done
for _ in $(seq 50); do grep -q "signed in" "$WORK/bot-linus.log" && break; sleep 0.1; done
kill -INT "$LINUS"

# start NAME DISPLAY [flags...]: one app instance on its own display.
start() {
	local name=$1 disp=$2; shift 2
	Xvfb ":$disp" -screen 0 "${W}x${HGT}x24" -nolisten tcp >"$WORK/xvfb-$name.log" 2>&1 &
	PIDS+=($!)
	for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$disp" ] && break; sleep 0.1; done
	mkdir -p "$WORK/home-$name"
	HOME="$WORK/home-$name" XDG_CONFIG_HOME="$WORK/home-$name/.config" DISPLAY=":$disp" \
		"$H" --server "$URL" "$@" >"$WORK/$name.log" 2>&1 &
	PIDS+=($!)
	DISPLAY=":$disp" xdotool search --sync --name '^Huddle$' >/dev/null
}
# shot DISPLAY FILE: the whole virtual screen, which is the app's window.
shot() {
	sleep 1 # let the last frame render
	DISPLAY=":$1" import -window root "$OUT/$2"
	echo "saved docs/screenshots/$2"
}
# click DISPLAY X Y WHAT: click, then fail unless the screen changed.
# Coordinates are for the 900x640 window; re-measure them from the PNGs if
# the layout changes (a click that misses fails the run).
click() {
	DISPLAY=":$1" import -window root "$WORK/before.png"
	DISPLAY=":$1" xdotool mousemove "$2" "$3" click 1
	sleep 1
	DISPLAY=":$1" import -window root "$WORK/after.png"
	# A ticking clock changes a few hundred pixels; a dialog or tab, thousands.
	changed=$(compare -metric AE "$WORK/before.png" "$WORK/after.png" null: 2>&1 || true)
	if [ "${changed%.*}" -lt 2000 ]; then
		echo "clicking $4 at $2,$3 changed only $changed pixels" >&2
		exit 1
	fi
}

mkdir -p "$OUT"
start signin 97 --nick Carol --user carol
shot 97 signin.png

start alice 98 --nick Alice --user alice --auto-login
start bob 99 --nick Bob --user bob --auto-login
sleep 2
# Grace's slides came at sign-in: alice is asked before anything is taken.
shot 98 file-offer.png
click 98 401 364 "Accept in the file prompt"
shot 98 contacts.png

# Alice calls bob: the Call button of his row (online first, then by name:
# ada, Bob, grace, linus). Coordinates are for the 900x640 window.
click 98 457 145 "Call on bob's row"
shot 99 incoming-call.png
shot 98 outgoing-call.png
# Bob answers: Accept in the dialog.
click 99 493 384 "Accept"
shot 98 in-call.png

# Meetings: alice's tab.
click 98 160 70 "the Meetings tab (below the in-call panel)"
click 98 77 111 "New meeting…"
DISPLAY=:98 xdotool mousemove 485 297 click 1 type "Design review"
DISPLAY=:98 xdotool mousemove 404 337 click 1
click 98 495 377 "Create"
shot 98 meetings.png

# Invite a third person into the call: ada, a bot, answers.
click 98 60 70 "the Contacts tab"
click 98 746 22 "Invite…"
click 98 475 317 "the Who list"
click 98 450 352 "ada in the list"
click 98 495 357 "Invite"
sleep 2 # ada rings for 1 s, then answers
shot 98 invite.png

# Bob hangs up: alice's panel closes and the status bar says why.
click 99 846 22 "Hang up"
shot 98 call-ended.png

# Files: linus sends one from the command line (grace's came at sign-in);
# alice always accepts from him. The transfers tab shows both, and the
# downloads folder setting above them.
"$H" send --server "$URL" --as linus --to alice "$WORK/meeting-notes.txt" >"$WORK/send.log" 2>&1 &
SEND=$!
sleep 2 # linus signs in and alice's prompt opens
click 98 450 405 "Always accept from linus"
wait "$SEND" || { echo "huddle send failed:" >&2; cat "$WORK/send.log" >&2; exit 1; }
click 98 270 26 "the Transfers tab"
shot 98 transfers.png

# Messages: grace's conversation (her greeting), and alice answers.
click 98 60 26 "the Contacts tab"
click 98 100 185 "grace's row"
DISPLAY=:98 xdotool mousemove 676 578 click 1 type "Thanks, got them. The charts look great."
DISPLAY=:98 xdotool key Return
shot 98 messages.png

# A missed call: alice rings bob and gives up before he answers. Bob's
# Calls tab and alice's row count it until he opens his call log.
click 98 457 145 "Call on bob's row"
click 98 450 375 "Cancel"
shot 99 missed-call.png
click 99 365 26 "bob's Calls tab"
shot 99 call-log.png


for f in "$WORK"/*.log; do
	if grep -q "Error in Fyne call thread" "$f"; then
		echo "Fyne call-thread error in $(basename "$f"):" >&2
		cat "$f" >&2
		exit 1
	fi
done
echo "screenshots saved to docs/screenshots/"
