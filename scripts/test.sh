#!/usr/bin/env bash
# Sets up and runs every test: types, lint, build, unit tests and end-to-end tests in Chromium.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

require_node
ensure_packages ffmpeg:ffmpeg ffprobe:ffmpeg chromium:chromium espeak-ng:espeak-ng
install_node_modules
npm test
