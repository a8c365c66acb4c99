/** `--name value` pairs (a flag with no value, or followed by another flag, is '1') → { name: value }. */
export function parseFlags(argv) {
  const out = {};
  argv.forEach((a, i) => {
    if (a.startsWith('--')) out[a.slice(2)] = argv[i + 1] === undefined || argv[i + 1].startsWith('--') ? '1' : argv[i + 1];
  });
  return out;
}
