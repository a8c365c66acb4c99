/**
 * Maps what ffmpeg.wasm reports while encoding to "frame k of n".
 *
 * Two sources, both unreliable alone:
 * - `log` lines: ffmpeg's stats line `frame=    5 fps=0.0 q=0.0 size= ...` (the frames muxed so
 *   far; printed about twice a second, and once at the end).
 * - `progress` events `{progress, time}`: `time` is the output position in MICROseconds
 *   (`progress` is time / input duration, meaningless for rawvideo input with no duration).
 *   At 7 fps, time 1_000_000 -> frame 7.
 *
 * The tracker keeps the highest frame seen, clamped to [0, frames], so events never go backwards.
 */

/** `frame=   11 fps=...` -> 11; null when the line is not a stats line. */
export function frameFromLog(message: string): number | null {
  const m = /(?:^|\s)frame=\s*(\d+)/.exec(message);
  return m ? Number(m[1]) : null;
}

/** Output time in microseconds -> whole frames at `fps`; null when time is unusable. */
export function frameFromTime(timeUs: number, fps: number): number | null {
  if (!Number.isFinite(timeUs) || timeUs < 0) return null;
  return Math.floor((timeUs / 1e6) * fps + 1e-6);
}

export class FrameProgress {
  private last = -1;

  constructor(
    readonly frames: number,
    private readonly emit: (frame: number, frames: number) => void,
  ) {}

  /** Report `frame` frames done; emits only when it moves forward. */
  update(frame: number | null): void {
    if (frame === null) return;
    const f = Math.max(0, Math.min(this.frames, frame));
    if (f <= this.last) return;
    this.last = f;
    this.emit(f, this.frames);
  }

  onLog(message: string): void {
    this.update(frameFromLog(message));
  }

  onTime(timeUs: number, fps: number): void {
    this.update(frameFromTime(timeUs, fps));
  }

  /** Called once the file is written: always ends at frames/frames. */
  finish(): void {
    this.update(this.frames);
  }
}
