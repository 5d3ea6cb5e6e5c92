#!/usr/bin/env bash
# Sets voiceguide up on a fresh Debian or Ubuntu machine: the system packages it needs, then a
# virtual environment in .venv with voiceguide installed into it.
#   tools/setup.sh          what `voiceguide` needs to speak, play and export
#   tools/setup.sh --test   the same, plus what the test suite needs
set -euo pipefail
cd "$(dirname "$0")/.."

# espeak-ng: the speech engine behind pyttsx3; libasound2-dev + gcc + python3-dev: simpleaudio
# builds against ALSA; ffmpeg: m4a/mp3 export; pulseaudio + libasound2-plugins: a sound server
# that ALSA programs reach (and the null sink the playback tests record from); sox: soxi.
packages=(espeak-ng libespeak-ng1 ffmpeg sox libasound2-dev libasound2-plugins pulseaudio
          pulseaudio-utils gcc python3-dev python3-venv)
if [[ "${1:-}" == "--test" ]]; then
    # chromium + fonts: the session sheet test renders the page; zsh and fish: the README's
    # completion lines are run in their own shells; util-linux (unshare, setsid) and e2fsprogs
    # (chattr): the fault tests hide libraries, mount a small tmpfs and lock folders;
    # zbar-tools: the share test reads the QR code back from the terminal; iproute2: the share
    # tests give a private network namespace an address and a default route
    packages+=(procps chromium fonts-dejavu-core zsh fish util-linux e2fsprogs zbar-tools iproute2)
fi

missing=()
for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if ((${#missing[@]})); then
    sudo=""
    [[ $(id -u) -eq 0 ]] || sudo="sudo"
    echo "installing system packages: ${missing[*]}" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null
fi

python=${PYTHON:-python3}
[[ -x .venv/bin/python ]] || "$python" -m venv .venv
extras=""
[[ "${1:-}" == "--test" ]] && extras="[test]"
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".${extras}"
