#!/usr/bin/env bash
# Generates the media the example compositions use, with FFmpeg's own test sources
# (no large binaries in git). Run once: bash examples/make-media.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p media
ff() { ffmpeg -hide_banner -loglevel error -y "$@"; }
made() { [ -s "media/$1" ] && [ "${FORCE:-}" != 1 ]; }
enc=(-c:v libx264 -preset veryfast -crf 20 -pix_fmt yuv420p -g 60)

made presenter.mp4 || ff -f lavfi -i "testsrc2=s=1080x1920:r=30:d=30" \
  -f lavfi -i "aevalsrc='0.4*sin(2*PI*180*t)*(0.5+0.5*sin(2*PI*3*t))*gt(mod(t,4),1)':s=48000:d=30" \
  "${enc[@]}" -c:a aac -shortest media/presenter.mp4
made product-demo.mp4 || ff -f lavfi -i "testsrc2=s=1920x1080:r=30:d=30,hue=h=120" \
  -f lavfi -i "sine=f=330:sample_rate=48000:d=30" "${enc[@]}" -c:a aac -shortest media/product-demo.mp4
for i in 1 2 3 4; do
  made "scene-$i.mp4" || ff -f lavfi -i "testsrc2=s=1080x1350:r=30:d=10,hue=h=$((i * 70))" "${enc[@]}" "media/scene-$i.mp4"
done
made music.m4a || ff -f lavfi -i "aevalsrc='0.25*sin(2*PI*220*t)+0.2*sin(2*PI*277*t)+0.15*sin(2*PI*330*t)':s=48000:d=40" -c:a aac media/music.m4a
made voice.m4a || ff -f lavfi -i "aevalsrc='0.5*sin(2*PI*160*t)*(0.5+0.5*sin(2*PI*4*t))':s=48000:d=8" -c:a aac media/voice.m4a
# A product shot on a green screen (keyed out by the example) and a logo with transparency.
made product.png || ff -f lavfi -i "color=c=0x00ff00:s=600x600,drawbox=x=150:y=100:w=300:h=400:color=0xd04020:t=fill,drawbox=x=200:y=150:w=200:h=60:color=white:t=fill" -frames:v 1 media/product.png
made logo.png || ff -f lavfi -i "color=c=black@0:s=400x200,format=rgba,drawbox=x=20:y=20:w=360:h=160:color=white@0.9:t=fill,drawbox=x=60:y=60:w=280:h=80:color=0x7c6cff:t=fill" -frames:v 1 media/logo.png
echo "Example media ready in examples/media/"
