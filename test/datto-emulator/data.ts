/**
 * The emulated account's data: sites, devices and alerts generated
 * deterministically from a seed, the JSON shapes Datto RMM serves for them,
 * and the changes tests make between calls (rename, delete, move, new alerts).
 */
import { randomUUID } from 'node:crypto';

export type DataOptions = {
  seed: number;
  sites: number;
  /** Total devices, spread evenly over the sites; wins over `devicesPerSite`. */
  devices?: number;
  devicesPerSite: number;
  /** Open alerts. */
  alerts: number;
  resolvedAlerts: number;
  platform: string;
};

export type SiteRecord = {
  id: number;
  uid: string;
  name: string;
  description: string | null;
  notes: string | null;
  onDemand: boolean;
  splashtopAutoInstall: boolean;
  autotaskCompanyName: string | null;
  autotaskCompanyId: string | null;
};

export type DeviceRecord = {
  id: number;
  uid: string;
  siteUid: string;
  hostname: string;
  category: string;
  type: string;
  deviceClass: string;
  operatingSystem: string;
  intIpAddress: string;
  extIpAddress: string;
  lastLoggedInUser: string | null;
  domain: string | null;
  description: string | null;
  online: boolean;
  suspended: boolean;
  deleted: boolean;
  rebootRequired: boolean;
  lastSeen: number;
  lastReboot: number;
  lastAuditDate: number;
  creationDate: number;
  warrantyDate: string | null;
  antivirusProduct: string | null;
  antivirusStatus: string;
  patchStatus: string;
  patchesApprovedPending: number;
  patchesNotApproved: number;
  patchesInstalled: number;
  udf: Record<string, string | null>;
};

export type AlertRecord = {
  alertUid: string;
  deviceUid: string;
  priority: string;
  diagnostics: string;
  resolved: boolean;
  resolvedBy: string | null;
  resolvedOn: number | null;
  muted: boolean;
  ticketNumber: string | null;
  timestamp: number;
  autoresolveMins: number | null;
  sendsEmails: boolean;
  createsTicket: boolean;
  alertContext: Record<string, unknown>;
};

export type NewAlert = {
  deviceUid: string;
  priority?: string;
  diagnostics?: string;
  alertContext?: Record<string, unknown>;
  timestamp?: number;
  muted?: boolean;
};

export type EmulatorState = {
  readonly account: { id: number; uid: string; name: string };
  readonly sites: readonly SiteRecord[];
  readonly devices: readonly DeviceRecord[];
  readonly alerts: readonly AlertRecord[];
  site(uid: string): SiteRecord | undefined;
  device(uid: string): DeviceRecord | undefined;
  alert(uid: string): AlertRecord | undefined;
  devicesOfSite(siteUid: string): readonly DeviceRecord[];
  alertsOf(scope: { siteUid?: string; deviceUid?: string }, resolved: boolean): AlertRecord[];

  siteJson(site: SiteRecord): Record<string, unknown>;
  deviceJson(device: DeviceRecord): Record<string, unknown>;
  alertJson(alert: AlertRecord): Record<string, unknown>;
  accountJson(): Record<string, unknown>;

  addSite(fields?: Partial<Omit<SiteRecord, 'id' | 'uid'>>): SiteRecord;
  renameSite(uid: string, name: string): void;
  /** Removes the site with its devices and their alerts. */
  deleteSite(uid: string): void;
  addDevice(siteUid: string, fields?: Partial<Omit<DeviceRecord, 'id' | 'uid' | 'siteUid'>>): DeviceRecord;
  renameDevice(uid: string, hostname: string): void;
  deleteDevice(uid: string): void;
  moveDevice(uid: string, siteUid: string): void;
  addAlert(alert: NewAlert): AlertRecord;
  resolveAlert(uid: string, by?: string): void;
};

const companies = ['Acme', 'Northwind', 'Contoso', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Wonka', 'Tyrell', 'Oceanic', 'Stark', 'Wayne', 'Cyberdyne', 'Soylent', 'Gringotts', 'Monarch', 'Dunder', 'Bluth', 'Prestige'];
const trades = ['Dental', 'Legal', 'Logistics', 'Accounting', 'Clinic', 'Manufacturing', 'Realty', 'School', 'Bakery', 'Architects', 'Pharmacy', 'Veterinary', 'Insurance', 'Engineering', 'Hotel'];
const firstNames = ['anna', 'ben', 'chloe', 'dev', 'emma', 'farid', 'greta', 'hugo', 'ines', 'jon', 'kira', 'liam'];
const kinds = [
  { weight: 55, category: 'Desktop', type: 'Desktop', deviceClass: 'device', prefix: 'WS', os: ['Microsoft Windows 11 Pro 23H2', 'Microsoft Windows 10 Pro 22H2', 'Microsoft Windows 11 Enterprise 24H2'] },
  { weight: 25, category: 'Laptop', type: 'Laptop', deviceClass: 'device', prefix: 'LT', os: ['Microsoft Windows 11 Pro 23H2', 'macOS Sonoma (14.5)', 'Microsoft Windows 10 Pro 22H2'] },
  { weight: 10, category: 'Server', type: 'Main System Chassis', deviceClass: 'device', prefix: 'SRV', os: ['Microsoft Windows Server 2022 Standard', 'Microsoft Windows Server 2019 Standard', 'Ubuntu 22.04.4 LTS'] },
  { weight: 4, category: 'Printer', type: 'Printer', deviceClass: 'printer', prefix: 'PRN', os: ['HP LaserJet firmware 2409'] },
  { weight: 3, category: 'ESXi Host', type: 'ESXi Host', deviceClass: 'esxihost', prefix: 'ESX', os: ['VMware ESXi 8.0.2'] },
  { weight: 3, category: 'Network Device', type: 'Router', deviceClass: 'rmmnetworkdevice', prefix: 'NET', os: ['Cisco IOS 15.2'] },
];
const priorities = [
  { weight: 10, value: 'Critical' },
  { weight: 25, value: 'High' },
  { weight: 30, value: 'Moderate' },
  { weight: 20, value: 'Low' },
  { weight: 15, value: 'Information' },
];
const services = ['Spooler', 'wuauserv', 'MSSQLSERVER', 'Veeam Backup Service', 'W32Time', 'DNS'];
const day = 86_400_000;
/** Generated dates hang off a fixed instant so the same seed gives the same JSON. */
const epoch = Date.UTC(2025, 5, 1);

type Random = { next(): number; int(max: number): number; pick<T>(items: readonly T[]): T; weighted<T extends { weight: number }>(items: readonly T[]): T; uuid(): string };

export function seededRandom(seed: number): Random {
  let a = seed >>> 0 || 0x9e3779b9;
  const next = () => {
    // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (max: number) => Math.floor(next() * max);
  const hex = (n: number) => Array.from({ length: n }, () => int(16).toString(16)).join('');
  return {
    next,
    int,
    pick: (items) => items[int(items.length)],
    weighted(items) {
      let roll = next() * items.reduce((sum, item) => sum + item.weight, 0);
      for (const item of items) if ((roll -= item.weight) < 0) return item;
      return items[items.length - 1];
    },
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[int(4)]}${hex(3)}-${hex(12)}`,
  };
}

export function createState(options: DataOptions): EmulatorState {
  const random = seededRandom(options.seed);
  const account = { id: 4200 + (options.seed % 1000), uid: random.uuid().slice(0, 8), name: 'Emulated MSP' };
  const sites: SiteRecord[] = [];
  const devices: DeviceRecord[] = [];
  const alerts: AlertRecord[] = [];
  const siteIndex = new Map<string, SiteRecord>();
  const deviceIndex = new Map<string, DeviceRecord>();
  const alertIndex = new Map<string, AlertRecord>();
  let bySite: Map<string, DeviceRecord[]> | null = null;
  let nextSiteId = 1001;
  let nextDeviceId = 500_001;
  let nextAlertTime = epoch;

  const portal = `https://${options.platform}.centrastage.net/csm`;

  function newSite(fields: Partial<SiteRecord> = {}): SiteRecord {
    const index = sites.length;
    const combos = companies.length * trades.length;
    const base = `${companies[index % companies.length]} ${trades[Math.floor(index / companies.length) % trades.length]}`;
    const site: SiteRecord = {
      id: nextSiteId++,
      uid: random.uuid(),
      name: index < combos ? base : `${base} ${Math.floor(index / combos) + 1}`,
      description: random.next() < 0.4 ? null : `Managed since ${2015 + random.int(10)}`,
      notes: random.next() < 0.7 ? null : 'After-hours contact: front desk',
      onDemand: random.next() < 0.05,
      splashtopAutoInstall: random.next() < 0.5,
      autotaskCompanyName: null,
      autotaskCompanyId: null,
      ...fields,
    };
    if (random.next() < 0.3) {
      site.autotaskCompanyName = site.name;
      site.autotaskCompanyId = String(100 + random.int(90_000));
    }
    sites.push(site);
    siteIndex.set(site.uid, site);
    bySite = null;
    return site;
  }

  function newDevice(siteUid: string, fields: Partial<DeviceRecord> = {}): DeviceRecord {
    const site = siteIndex.get(siteUid);
    if (!site) throw new Error(`no site ${siteUid}`);
    const kind = random.weighted(kinds);
    const id = nextDeviceId++;
    const lastSeen = epoch - random.int(30) * day - random.int(day);
    const online = random.next() < 0.8;
    const windows = kind.os[0].startsWith('Microsoft');
    const udf: Record<string, string | null> = {};
    for (let n = 1; n <= 30; n++) udf[`udf${n}`] = null;
    if (random.next() < 0.3) udf.udf1 = `Asset tag ${id}`;
    const device: DeviceRecord = {
      id,
      uid: random.uuid(),
      siteUid,
      hostname: `${site.name.replace(/[^A-Za-z]/g, '').slice(0, 8).toUpperCase()}-${kind.prefix}${String(id % 1000).padStart(3, '0')}`,
      category: kind.category,
      type: kind.type,
      deviceClass: kind.deviceClass,
      operatingSystem: random.pick(kind.os),
      intIpAddress: `10.${random.int(255)}.${random.int(255)}.${1 + random.int(250)}`,
      extIpAddress: `203.0.113.${1 + random.int(250)}`,
      lastLoggedInUser: kind.deviceClass === 'device' ? `CORP\\${random.pick(firstNames)}` : null,
      domain: windows ? 'CORP' : null,
      description: random.next() < 0.8 ? null : 'Reception PC',
      online,
      suspended: random.next() < 0.01,
      deleted: false,
      rebootRequired: random.next() < 0.1,
      lastSeen: online ? epoch - random.int(600_000) : lastSeen,
      lastReboot: lastSeen - random.int(20) * day,
      lastAuditDate: lastSeen - random.int(day),
      creationDate: epoch - (200 + random.int(2000)) * day,
      warrantyDate: random.next() < 0.5 ? null : `20${26 + random.int(4)}-0${1 + random.int(9)}-15`,
      antivirusProduct: windows ? 'Windows Defender' : null,
      antivirusStatus: windows ? random.pick(['RunningAndUpToDate', 'RunningAndUpToDate', 'RunningAndNotUpToDate', 'NotRunning']) : 'NotDetected',
      patchStatus: windows ? random.pick(['FullyPatched', 'FullyPatched', 'ApprovedPending', 'RebootRequired', 'InstallError']) : 'NoPolicy',
      patchesApprovedPending: random.int(12),
      patchesNotApproved: random.int(5),
      patchesInstalled: 50 + random.int(400),
      udf,
      ...fields,
    };
    devices.push(device);
    deviceIndex.set(device.uid, device);
    bySite = null;
    return device;
  }

  function alertContextFor(device: DeviceRecord): { context: Record<string, unknown>; diagnostics: string } {
    switch (random.int(9)) {
      case 0: {
        const free = random.int(10);
        return {
          context: { '@class': 'perf_disk_usage_ctx', diskName: 'C:', freeSpace: free, totalVolume: 100, unitOfMeasure: 'PERCENT', diskNameDesignation: 'SINGLE_VOLUME' },
          diagnostics: `Disk C: on ${device.hostname} has ${free}% free space`,
        };
      }
      case 1: {
        const percentage = 90 + random.int(10);
        const type = random.pick(['CPU', 'MEMORY']);
        return { context: { '@class': 'perf_resource_usage_ctx', type, percentage }, diagnostics: `${type} usage ${percentage}% for 15 minutes` };
      }
      case 2: {
        const serviceName = random.pick(services);
        return { context: { '@class': 'srvc_status_ctx', serviceName, status: 'STOPPED' }, diagnostics: `Service '${serviceName}' is stopped` };
      }
      case 3:
        return { context: { '@class': 'online_offline_status_ctx', status: 'OFFLINE' }, diagnostics: `${device.hostname} went offline` };
      case 4:
        return {
          context: { '@class': 'eventlog_ctx', logName: 'System', code: '7031', type: 'Error', source: 'Service Control Manager', description: 'The service terminated unexpectedly.', triggerCount: 1 + random.int(5) },
          diagnostics: 'Event 7031 from Service Control Manager',
        };
      case 5:
        return { context: { '@class': 'comp_script_ctx', samples: { Result: 'Backup job failed', ExitCode: '1' } }, diagnostics: 'Backup check: Backup job failed' };
      case 6:
        return { context: { '@class': 'antivirus_ctx', productName: 'Windows Defender', status: 'NOTRUNNING' }, diagnostics: 'Antivirus is not running' };
      case 7:
        return { context: { '@class': 'patch_ctx', patchUid: random.uuid(), policyUid: random.uuid(), result: 'InstallError', info: 'KB5034441 failed (0x80070643)' }, diagnostics: 'Patch installation failed' };
      default:
        return { context: { '@class': 'ping_ctx', instanceName: 'Gateway', roundtripTime: 900 + random.int(500), reasons: ['ROUNDTRIP_TIME'] }, diagnostics: 'Ping to gateway is slow' };
    }
  }

  function newAlert(alert: NewAlert, resolved: boolean, uid = random.uuid()): AlertRecord {
    const device = deviceIndex.get(alert.deviceUid);
    if (!device) throw new Error(`no device ${alert.deviceUid}`);
    const generated = alertContextFor(device);
    nextAlertTime += 60_000 + random.int(3_600_000);
    const record: AlertRecord = {
      alertUid: uid,
      deviceUid: device.uid,
      priority: alert.priority ?? random.weighted(priorities).value,
      diagnostics: alert.diagnostics ?? generated.diagnostics,
      resolved,
      resolvedBy: resolved ? 'jane.tech' : null,
      resolvedOn: resolved ? nextAlertTime + 3_600_000 : null,
      muted: alert.muted ?? random.next() < 0.05,
      ticketNumber: null,
      timestamp: alert.timestamp ?? nextAlertTime,
      autoresolveMins: random.next() < 0.5 ? null : 60,
      sendsEmails: true,
      createsTicket: random.next() < 0.3,
      alertContext: alert.alertContext ?? generated.context,
    };
    alerts.push(record);
    alertIndex.set(record.alertUid, record);
    return record;
  }

  for (let i = 0; i < options.sites; i++) newSite();
  for (let i = 0; i < sites.length; i++) {
    const count = options.devices === undefined
      ? options.devicesPerSite
      : Math.floor(options.devices / sites.length) + (i < options.devices % sites.length ? 1 : 0);
    for (let n = 0; n < count; n++) newDevice(sites[i].uid);
  }
  if (devices.length > 0) {
    for (let i = 0; i < options.alerts; i++) newAlert({ deviceUid: random.pick(devices).uid }, false);
    for (let i = 0; i < options.resolvedAlerts; i++) newAlert({ deviceUid: random.pick(devices).uid }, true);
  }

  function devicesOfSite(siteUid: string): readonly DeviceRecord[] {
    if (!bySite) {
      bySite = new Map();
      for (const device of devices) {
        const list = bySite.get(device.siteUid);
        if (list) list.push(device);
        else bySite.set(device.siteUid, [device]);
      }
    }
    return bySite.get(siteUid) ?? [];
  }

  function remove<T>(list: T[], item: T | undefined): void {
    const at = item === undefined ? -1 : list.indexOf(item);
    if (at >= 0) list.splice(at, 1);
  }

  function required<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`no ${what}`);
    return value;
  }

  /** Device dates come both ways from Datto: ISO strings for even ids, epoch ms for odd ones. */
  const when = (device: DeviceRecord, ms: number) => (device.id % 2 === 0 ? new Date(ms).toISOString() : ms);

  const state: EmulatorState = {
    account,
    sites,
    devices,
    alerts,
    site: (uid) => siteIndex.get(uid),
    device: (uid) => deviceIndex.get(uid),
    alert: (uid) => alertIndex.get(uid),
    devicesOfSite,
    alertsOf(scope, resolved) {
      return alerts.filter((alert) => {
        if (alert.resolved !== resolved) return false;
        if (scope.deviceUid) return alert.deviceUid === scope.deviceUid;
        if (scope.siteUid) return deviceIndex.get(alert.deviceUid)?.siteUid === scope.siteUid;
        return true;
      });
    },

    accountJson() {
      const online = devices.filter((d) => d.online).length;
      return {
        id: account.id,
        uid: account.uid,
        name: account.name,
        currency: 'EUR',
        descriptor: { bilingEmail: 'billing@msp.example', deviceLimit: 100_000, timeZone: 'Europe/Amsterdam' },
        devicesStatus: {
          numberOfDevices: devices.length,
          numberOfOnlineDevices: online,
          numberOfOfflineDevices: devices.length - online,
          numberOfOnDemandDevices: 0,
          numberOfManagedDevices: devices.length,
        },
      };
    },
    siteJson(site) {
      const own = devicesOfSite(site.uid);
      const online = own.filter((d) => d.online).length;
      return {
        id: site.id,
        uid: site.uid,
        accountUid: account.uid,
        name: site.name,
        description: site.description,
        notes: site.notes,
        onDemand: site.onDemand,
        splashtopAutoInstall: site.splashtopAutoInstall,
        proxySettings: null,
        devicesStatus: { numberOfDevices: own.length, numberOfOnlineDevices: online, numberOfOfflineDevices: own.length - online },
        autotaskCompanyName: site.autotaskCompanyName,
        autotaskCompanyId: site.autotaskCompanyId,
        portalUrl: `${portal}/profile/summary/${site.id}`,
      };
    },
    deviceJson(device) {
      const site = siteIndex.get(device.siteUid);
      return {
        id: device.id,
        uid: device.uid,
        siteId: site?.id ?? null,
        siteUid: device.siteUid,
        siteName: site?.name ?? null,
        deviceType: { category: device.category, type: device.type },
        hostname: device.hostname,
        intIpAddress: device.intIpAddress,
        operatingSystem: device.operatingSystem,
        lastLoggedInUser: device.lastLoggedInUser,
        domain: device.domain,
        cagVersion: '4.4.2200.2200',
        displayVersion: '4.4.2200',
        extIpAddress: device.extIpAddress,
        description: device.description,
        a64Bit: true,
        rebootRequired: device.rebootRequired,
        online: device.online,
        suspended: device.suspended,
        deleted: device.deleted,
        lastSeen: when(device, device.lastSeen),
        lastReboot: when(device, device.lastReboot),
        lastAuditDate: when(device, device.lastAuditDate),
        creationDate: when(device, device.creationDate),
        udf: { ...device.udf },
        snmpEnabled: device.deviceClass !== 'device',
        deviceClass: device.deviceClass,
        portalUrl: `${portal}/device/${device.id}`,
        warrantyDate: device.warrantyDate,
        antivirus: { antivirusProduct: device.antivirusProduct, antivirusStatus: device.antivirusStatus },
        patchManagement: {
          patchStatus: device.patchStatus,
          patchesApprovedPending: device.patchesApprovedPending,
          patchesNotApproved: device.patchesNotApproved,
          patchesInstalled: device.patchesInstalled,
        },
        softwareStatus: 'Compliant',
        webRemoteUrl: `${portal}/remote/${device.uid}`,
        networkProbe: false,
        onboardedViaNetworkMonitor: false,
      };
    },
    alertJson(alert) {
      const device = deviceIndex.get(alert.deviceUid);
      const site = device ? siteIndex.get(device.siteUid) : undefined;
      return {
        alertUid: alert.alertUid,
        priority: alert.priority,
        diagnostics: alert.diagnostics,
        resolved: alert.resolved,
        resolvedBy: alert.resolvedBy,
        resolvedOn: alert.resolvedOn,
        muted: alert.muted,
        ticketNumber: alert.ticketNumber,
        timestamp: alert.timestamp,
        alertMonitorInfo: { sendsEmails: alert.sendsEmails, createsTicket: alert.createsTicket },
        alertContext: { ...alert.alertContext },
        alertSourceInfo: {
          deviceUid: alert.deviceUid,
          deviceName: device?.hostname ?? null,
          siteUid: site?.uid ?? null,
          siteName: site?.name ?? null,
        },
        responseActions: alert.sendsEmails
          ? [{ actionTime: alert.timestamp, actionType: 'EMAIL_SENT', description: 'Alert e-mail sent', actionReference: null, actionReferenceInt: null }]
          : [],
        autoresolveMins: alert.autoresolveMins,
      };
    },

    addSite: (fields) => newSite(fields),
    renameSite(uid, name) {
      required(siteIndex.get(uid), `site ${uid}`).name = name;
    },
    deleteSite(uid) {
      const site = required(siteIndex.get(uid), `site ${uid}`);
      for (const device of [...devicesOfSite(uid)]) state.deleteDevice(device.uid);
      remove(sites, site);
      siteIndex.delete(uid);
      bySite = null;
    },
    addDevice: (siteUid, fields) => newDevice(siteUid, fields),
    renameDevice(uid, hostname) {
      required(deviceIndex.get(uid), `device ${uid}`).hostname = hostname;
    },
    deleteDevice(uid) {
      const device = required(deviceIndex.get(uid), `device ${uid}`);
      for (const alert of alerts.filter((a) => a.deviceUid === uid)) {
        remove(alerts, alert);
        alertIndex.delete(alert.alertUid);
      }
      remove(devices, device);
      deviceIndex.delete(uid);
      bySite = null;
    },
    moveDevice(uid, siteUid) {
      required(siteIndex.get(siteUid), `site ${siteUid}`);
      required(deviceIndex.get(uid), `device ${uid}`).siteUid = siteUid;
      bySite = null;
    },
    // Alerts raised at run time get random uids: an emulator restarted on the same seed must not
    // raise the uids of the previous run again (Relaydesk would take them for old alerts).
    addAlert: (alert) => newAlert(alert, false, randomUUID()),
    resolveAlert(uid, by = 'API') {
      const alert = required(alertIndex.get(uid), `alert ${uid}`);
      if (alert.resolved) return;
      alert.resolved = true;
      alert.resolvedBy = by;
      alert.resolvedOn = Date.now();
    },
  };
  return state;
}
