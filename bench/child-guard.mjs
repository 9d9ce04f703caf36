// Preloaded (`node --import`) into every child the bench starts: exits when the bench process is
// gone (re-parented), so a killed `npm run bench` never leaves a server or hasher running.
const parent = process.ppid;
setInterval(() => {
  if (process.ppid !== parent) process.exit(1);
}, 500).unref();
