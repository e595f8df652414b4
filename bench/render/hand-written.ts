/**
 * What someone fluent in FFmpeg would type for each benchmark, by hand: the
 * reference Kata's compiled commands are measured against. Same inputs, same
 * pictures and sound, same encoder settings.
 */
const encode = ['-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-preset', 'medium', '-crf', '20', '-c:a', 'aac', '-b:a', '192k', '-ar', '48000', '-ac', '2', '-movflags', '+faststart'];
const stereo = 'aformat=sample_fmts=fltp:sample_rates=48000:channel_layouts=stereo';
const loud = 'loudnorm=I=-14:TP=-1.5:LRA=11,aresample=48000';

export function handWritten(name: 'pip-captions' | 'split-screen' | 'montage', media: (file: string) => string): string[] {
  switch (name) {
    case 'pip-captions':
      return [
        '-t', '30', '-i', media('presenter.mp4'), '-t', '26', '-i', media('product-demo.mp4'), '-t', '30', '-i', media('music.m4a'),
        '-filter_complex',
        [
          '[1:v]scale=436:246,format=yuva420p,pad=448:258:6:6:color=white[p]',
          "color=c=black:s=448x258:r=30:d=0.0334,format=gray,geq=lum='if(gt(hypot(max(0,abs(X-223.5)-200),max(0,abs(Y-128.5)-105)),24),0,255)',loop=loop=-1:size=1,setpts=N/(30*TB),trim=duration=26[m]",
          '[p][m]alphamerge,fade=t=in:d=0.4:alpha=1,fade=t=out:st=25.6:d=0.4:alpha=1,setpts=PTS+2/TB[pip]',
          '[0:v][pip]overlay=578:271:eof_action=pass,subtitles=captions.ass,format=yuv420p[v]',
          `[0:a]${stereo},asplit[voice][key]`,
          `[2:a]${stereo},volume=0.8,afade=t=in:d=1,afade=t=out:st=28:d=2[music]`,
          '[key]apad[k]',
          '[music][k]sidechaincompress=threshold=0.02:ratio=10:attack=15:release=350:makeup=1[ducked]',
          `[voice][ducked]amix=inputs=2:normalize=0,${loud}[a]`,
        ].join(';'),
        '-map', '[v]', '-map', '[a]', ...encode, '-t', '30',
      ];
    case 'split-screen':
      return [
        '-t', '20', '-i', media('presenter.mp4'), '-ss', '5', '-t', '20', '-i', media('product-demo.mp4'),
        '-filter_complex',
        ['[0:v]crop=iw:ih*0.5625:0:ih*0.21875,scale=960:1080[l]', '[1:v]crop=iw/2:ih:iw/4:0,scale=960:1080[r]', '[l][r]hstack=2,format=yuv420p[v]', `[0:a]${loud}[a]`].join(';'),
        '-map', '[v]', '-map', '[a]', ...encode, '-t', '20',
      ];
    case 'montage':
      return [
        ...[1, 2, 3, 4].flatMap((i) => ['-t', '8.0625', '-i', media(`scene-${i}.mp4`)]),
        '-i', media('product.png'), '-t', '30', '-i', media('music.m4a'),
        '-filter_complex',
        [
          '[0:v][1:v]xfade=transition=fade:duration=0.75:offset=7.3125[ab]',
          '[ab][2:v]xfade=transition=wipeleft:duration=0.75:offset=14.625[abc]',
          '[abc][3:v]xfade=transition=circleopen:duration=0.75:offset=21.9375[run]',
          '[4:v]chromakey=0x00ff00:0.25:0.05,scale=1076:1346,pad=1080:1350:2:2:color=black@0,perspective=620:700:860:680:630:1040:880:1060:sense=destination,format=rgba,split=3[b][s][z]',
          '[s]colorchannelmixer=rr=0:gg=0:bb=0:aa=0.45,boxblur=16:16:16[sh]',
          '[z]lutrgb=a=0[cl]',
          '[cl][sh]overlay=18:24:format=rgb[sd]',
          '[sd][b]overlay=0:0:format=rgb,format=yuva420p,loop=loop=-1:size=1,setpts=N/(30*TB),trim=duration=10,fade=t=in:d=0.3:alpha=1,fade=t=out:st=9.7:d=0.3:alpha=1,setpts=PTS+15/TB[prod]',
          `[run][prod]overlay=0:0:eof_action=pass,lut3d=file=${media('../warm.cube')},colorbalance=rs=0.024:bs=-0.024:rm=0.016:bm=-0.016,eq=saturation=1.1:contrast=1.05,vignette=angle=0.68,noise=alls=6:allf=t,format=yuv420p[v]`,
          `[5:a]${stereo},afade=t=out:st=28:d=2,${loud}[a]`,
        ].join(';'),
        '-map', '[v]', '-map', '[a]', ...encode, '-t', '30',
      ];
  }
}
