// `npm start` serves the console's production build; a fresh clone has none yet, so build it
// once here (Vite, ~20 s). `npm run build:console` rebuilds after changes.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

if (!existsSync(new URL('../services/console/dist/index.html', import.meta.url))) {
  console.log('building the console (first start only)…');
  const result = spawnSync('npm', ['run', 'build', '-w', '@huiying/console'], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}
