/**
 * reports/bench.json → Markdown (scripts/bench.mjs). Ratios are "how many times faster":
 * one-window ms per step / batched ms per step, ffmpeg ms per frame / WebCodecs ms per frame.
 */
const ms = (v) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : v >= 100 ? `${Math.round(v)}` : v.toFixed(1));
const gib = (b) => (b === undefined ? 'n/a' : `${(b / 2 ** 30).toFixed(2)} GiB`);
const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : 'n/a');
const counters = (x) => x?.timings?.counters;
/**
 * Bytes read back per denoising step: the GPU-resident loop's own per-step list (plus L, read once
 * per step for the lost-device checkpoints), else every UNet read spread over the steps.
 */
const perStep = (x) => {
  const c = counters(x);
  if (!c) return 'n/a';
  const n = Math.round(x.timings.denoiseMs / x.msPerStep);
  const steps = c.stepBytesReadBack?.length ? c.stepBytesReadBack : null;
  return steps ? `${Math.max(...steps)} B of UNet outputs + ${Math.round(c.latentBytesReadBack / n)} B of L (checkpoint)` : `${Math.round(c.unetBytesReadBack / n)} B`;
};
/** On wasm `run` is the work; on WebGPU it returns once the work is queued, so the GPU time lands in the read-back waits. */
const ortShare = (x, backend) => {
  const c = counters(x);
  if (!c) return 'n/a';
  if (backend === 'webgpu') return `n/a on WebGPU (run() returns once queued: ${ms(c.unetRunMs + c.stepGraphRunMs)} ms in run(), ${ms(c.readBackMs)} ms waiting on read-backs, decode included)`;
  return `${((100 * (c.unetRunMs + c.stepGraphRunMs)) / x.timings.denoiseMs).toFixed(0)}% (UNet ${ms(c.unetRunMs / Math.max(1, c.unetRuns))} ms per call)`;
};

function adapterLine(backend) {
  const g = backend?.gpu;
  if (!g) return backend?.reason ? `none (${backend.reason})` : 'none';
  const name = [g.vendor, g.architecture, g.description].filter(Boolean).join(' · ');
  return `${name}${g.isFallbackAdapter ? ' (software fallback)' : ''}; max buffer ${gib(g.limits.maxBufferSize)}, max binding ${gib(g.limits.maxStorageBufferBindingSize)}, shader-f16 ${g.features.shaderF16 ? 'yes' : 'no'}`;
}

function runSection(run) {
  if (!run.ok) return [`### ${run.packUrl} on ${run.backend}: failed`, '', '```', run.error, ...(run.pageErrors ?? []), '```', ''];
  const s = Object.fromEntries(run.scenarios.map((x) => [x.name, x]));
  const r = run.request;
  const planned = s.planned?.plan;
  const lines = [
    `### ${run.pack} on ${run.backend.backend}`,
    '',
    `Adapter: ${adapterLine(run.backend)}. Clip: ${r.width}×${r.height}, ${r.frames} frames, context ${r.contextFrames}/${r.contextOverlap}, ${r.steps} steps, CFG ${r.guidanceScale}. Pack load: ${ms(run.loadMs)} ms.`,
    '',
    '| scenario | windows / call | CFG halves | UNet calls / step | ms / step | ms / UNet call | denoise ms | decode ms | total ms |',
    '|---|---|---|---|---|---|---|---|---|',
    ...run.scenarios.map(
      (x) =>
        `| ${x.name} | ${x.windowsPerCall} | ${x.cfgTogether ? 'together' : 'apart'} | ${x.unetCallsPerStep} | ${ms(x.msPerStep)} | ${ms(x.msPerUnetCall)} | ${ms(x.timings.denoiseMs)} | ${ms(x.timings.decodeMs)} | ${ms(x.totalMs)} |`,
    ),
    '',
    `Stages of the planned run (ms): ${Object.entries(s.planned?.stagesMs ?? {}).map(([k, v]) => `${k} ${ms(v)}`).join(', ')}.`,
    '',
    `- batched vs one window per call: ${ratio(s['one-window']?.msPerStep, s.batched?.msPerStep)} faster per step`,
    `- memory plan: ${planned?.summary ?? 'n/a'}`,
    `- GPU-resident vs read-back each step: ${s['read-back'] ? `${ratio(s['read-back'].msPerStep, s.planned?.msPerStep)} faster per step; bytes read back per step ${perStep(s.planned)} vs ${perStep(s['read-back'])}` : 'n/a (WebGPU only)'}`,
    `- share of denoising time inside onnxruntime (planned run): ${ortShare(s.planned, run.backend.backend)}`,
    '',
  ];
  const enc = run.encoders ?? [];
  if (enc.length) {
    lines.push('| encoder | format | used | codec | ms / frame | bytes |', '|---|---|---|---|---|---|');
    for (const e of enc) lines.push(e.ok ? `| ${e.encoder} | ${e.format} | ${e.used} | ${e.codec} | ${ms(e.msPerFrame)} | ${e.bytes} |` : `| ${e.encoder} | ${e.format} | failed: ${e.error} | | | |`);
    const per = (encoder, format) => enc.find((e) => e.ok && e.encoder === encoder && e.used === encoder && e.format === format)?.msPerFrame;
    for (const format of ['mp4', 'webm']) lines.push('', `- ${format}: WebCodecs vs ffmpeg.wasm: ${ratio(per('ffmpeg', format), per('webcodecs', format))} faster per frame`);
    lines.push('');
  }
  return lines;
}

export function benchMarkdown(report) {
  return [
    `# MuseV Web benchmark`,
    '',
    `${report.date} · ${report.machine.cpus} × ${report.machine.cpu} · Chromium ${report.chromium}`,
    '',
    ...report.runs.flatMap(runSection),
  ].join('\n');
}
