import { parseArgs } from 'node:util';
import { startDattoEmulator } from './index.ts';

const USAGE = `Datto RMM API emulator (for trying Relaydesk without a Datto account)

  npm run datto:emulator -- [options]

  --sites N              sites (default 5)
  --devices N            devices in all, or --devices-per-site N (default 3 per site)
  --alerts N             open alerts (default 10); --resolved-alerts N resolved ones
  --port N, --host H     where to listen (default a free port on 127.0.0.1)
  --key K, --secret S    the API key and secret it accepts (default generated)
  --seed N               seed of the generated data (default 1: the same sites, devices and
                         alerts on every start; alerts raised later always get new uids)
  --window-factor N      shrink Datto's 60 s rate-limit window N times (default 1)
  --token-lifetime S     seconds an access token lives
  --help                 this text`;

let parsed;
try {
  parsed = parseArgs({
    options: {
      help: { type: 'boolean' },
      sites: { type: 'string' },
      devices: { type: 'string' },
      'devices-per-site': { type: 'string' },
      alerts: { type: 'string' },
      'resolved-alerts': { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      key: { type: 'string' },
      secret: { type: 'string' },
      seed: { type: 'string' },
      'window-factor': { type: 'string' },
      'token-lifetime': { type: 'string' },
    },
  });
} catch (err) {
  console.error(`${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const number = (name: keyof typeof values): number | undefined => {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    console.error(`--${name} must be a number, got "${text}"`);
    process.exit(2);
  }
  return value;
};

const emulator = await startDattoEmulator({
  sites: number('sites'),
  devices: number('devices'),
  devicesPerSite: number('devices-per-site'),
  alerts: number('alerts'),
  resolvedAlerts: number('resolved-alerts'),
  port: number('port'),
  host: values.host,
  apiKey: values.key,
  apiSecret: values.secret,
  seed: number('seed'),
  windowFactor: number('window-factor'),
  tokenLifetimeSeconds: number('token-lifetime'),
});

const { state } = emulator;
console.log(`Datto RMM emulator listening
  API URL:        ${emulator.url}
  API key:        ${emulator.apiKey}
  API secret:     ${emulator.apiSecret}
  data:           ${state.sites.length} sites, ${state.devices.length} devices, ${state.alerts.filter((a) => !a.resolved).length} open alerts
  control:        ${emulator.url}/__emulator/log, POST ${emulator.url}/__emulator/faults/<name> with a JSON array of arguments
Stop with Ctrl+C.`);

const stop = () => {
  emulator.stop().then(() => process.exit(0), () => process.exit(1));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
