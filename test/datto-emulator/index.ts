export { emulatedRoutes, startDattoEmulator, type DattoEmulator, type EmulatorOptions, type LogEntry, type RequestLog } from './emulator.ts';
export type { AlertRecord, DeviceRecord, EmulatorState, NewAlert, SiteRecord } from './data.ts';
export type { Faults, Match } from './faults.ts';
