import type { SystemInfo } from '../../app/studio-status';

export function FfmpegSection({ ffmpeg }: { ffmpeg: SystemInfo['ffmpeg'] | null }) {
  return (
    <section className="panel" aria-labelledby="ffmpeg-heading">
      <h2 id="ffmpeg-heading">FFmpeg</h2>
      {!ffmpeg && <p>Looking for FFmpeg…</p>}
      {ffmpeg && !ffmpeg.found && (
        <p className="tone-bad" role="alert">
          {ffmpeg.problem}
        </p>
      )}
      {ffmpeg?.found && (
        <>
          <dl className="facts">
            <dt>Version</dt>
            <dd data-testid="ffmpeg-version">{ffmpeg.version}</dd>
            <dt>Binary</dt>
            <dd>
              <code>{ffmpeg.ffmpegPath}</code> ({ffmpeg.source === 'env' ? 'from FFMPEG_PATH' : ffmpeg.source === 'bundled' ? 'bundled with Kata' : 'found on PATH'})
            </dd>
            <dt>ffprobe</dt>
            <dd>{ffmpeg.ffprobePath ? <code>{ffmpeg.ffprobePath}</code> : 'not found'}</dd>
          </dl>
          {ffmpeg.missing.length > 0 && (
            <p className="tone-warn" role="alert">
              This FFmpeg lacks what some features need: {ffmpeg.missing.join('; ')}. Install a full build (Debian/Ubuntu:
              apt-get install ffmpeg) or point FFMPEG_PATH at one.
            </p>
          )}
          <table className="capabilities">
            <caption>What Kata needs from FFmpeg</caption>
            <thead>
              <tr>
                <th scope="col">Needed</th>
                <th scope="col">For</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {ffmpeg.capabilities.map((capability) => (
                <tr key={`${capability.kind}-${capability.name}`}>
                  <td>
                    <code>{capability.name}</code> {capability.kind}
                  </td>
                  <td>{capability.purpose}</td>
                  <td className={capability.present ? 'tone-ok' : 'tone-bad'}>{capability.present ? 'Available' : 'Missing'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
