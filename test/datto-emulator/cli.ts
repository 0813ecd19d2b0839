import { parseArgs } from 'node:util';
import { startDattoEmulator } from './index.ts';

// npm run datto:emulator -- --sites 200 --devices 2000 --alerts 50 [--port 8089] [--key K --secret S]
const { values } = parseArgs({
  options: {
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
