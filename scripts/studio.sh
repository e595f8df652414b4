#!/usr/bin/env bash
# Sets up and starts Kata Studio: the desktop app where Electron can run, else the browser host.
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

require_node
ensure_packages ffmpeg:ffmpeg ffprobe:ffmpeg espeak-ng:espeak-ng
install_node_modules

electron_binary() { node -e 'try { const p = require("electron"); process.exit(require("fs").existsSync(p) ? 0 : 1) } catch { process.exit(1) }' 2>/dev/null; }
has_display() { [ "$(uname)" != Linux ] || [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; }

if [ "${KATA_STUDIO_MODE:-}" != web ] && has_display; then
  if ! electron_binary; then
    say "Fetching the Electron runtime"
    node node_modules/electron/install.js >/dev/null 2>&1 || say "Electron could not be downloaded here."
  fi
  if electron_binary; then
    say "Building and starting the desktop app"
    npm run build --silent
    exec npx electron-vite preview --skipBuild
  fi
fi

say "Starting Studio in your browser instead (npm run studio:web)."
exec npm run studio:web --silent
