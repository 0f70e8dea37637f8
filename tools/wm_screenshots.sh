#!/bin/sh
# The first window on a real X server with a window manager (Xvfb + openbox), at the screen
# sizes an artist has: what opens on a first launch (nothing saved yet), decorations included.
#   tools/wm_screenshots.sh OUT_DIR        (needs Xvfb, openbox, imagemagick's import, xdotool)
# Writes OUT_DIR/wm-WxH.png and prints the window frame's geometry against the screen's.
set -eu
OUT=${1:-docs/screenshots}
PY=${PY:-.venv/bin/python}
mkdir -p "$OUT"
for SIZE in 1024x640 1366x768 1920x1080; do
    W=${SIZE%x*}; H=${SIZE#*x}
    HOME_DIR=$(mktemp -d)
    Xvfb :97 -screen 0 "${SIZE}x24" -nolisten tcp >/dev/null 2>&1 &
    XPID=$!
    sleep 2
    DISPLAY=:97 openbox >/dev/null 2>&1 &
    OPID=$!
    sleep 1
    env -u QT_QPA_PLATFORM DISPLAY=:97 HOME="$HOME_DIR" XDG_CONFIG_HOME="$HOME_DIR/config" \
        XDG_DATA_HOME="$HOME_DIR/data" XDG_CACHE_HOME="$HOME_DIR/cache" \
        "$PY" -m genai_studio >/dev/null 2>&1 &
    APID=$!
    sleep "${WAIT:-40}"
    DISPLAY=:97 import -window root "$OUT/wm-$SIZE.png"
    WIN=$(DISPLAY=:97 xdotool search --onlyvisible --name "GenAI Studio" | head -1)
    # The frame openbox draws around the window: the client's parent chain up to the root.
    DISPLAY=:97 xwininfo -id "$WIN" -frame 2>/dev/null | \
        awk -v s="$SIZE" '/Absolute upper-left X/{x=$NF} /Absolute upper-left Y/{y=$NF}
                          /Width:/{w=$NF} /Height:/{h=$NF}
                          END{print s ": frame at " x "," y " size " w "x" h}'
    kill "$APID" 2>/dev/null || true
    sleep 3
    kill "$OPID" "$XPID" 2>/dev/null || true
    sleep 1
    rm -rf "$HOME_DIR"
done
