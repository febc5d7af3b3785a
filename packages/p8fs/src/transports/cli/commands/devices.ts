import { DeviceDto, DeviceList } from '@p8fs/contracts';
import { Command } from 'commander';
import type { CommandFactory } from '../command.js';
import { cliContext } from '../context.js';
import { readCredentials, signedIn } from '../credentials.js';
import { e2eServer, isE2eReplica, vaultKeysFor } from '../e2e.js';
import { examples, json, table } from '../format.js';
import { apiRequest } from '../server-api.js';

/** `p8fs devices`: the devices that can act for your account on --server. */
export const devicesCommand: CommandFactory = (io) => {
  const session = async (cmd: Command) => {
    const { config } = cliContext(cmd, io);
    // A device of an end-to-end vault manages that vault's devices without --server.
    const { server, token } = await signedIn({ ...config, server: config.server ?? e2eServer(config) ?? undefined });
    return { server, token, config, self: readCredentials(config.dataDir)[server]?.device_id };
  };
  const path = (id: string) => `/api/v1/devices/${encodeURIComponent(id)}`;

  return new Command('devices')
    .summary('list, rename and revoke your devices')
    .description('The devices signed in to your account on --server (with its stored sign-in, or --token)')
    .addHelpText('after', examples('p8fs devices ls --server https://vault.example.com', 'p8fs devices rm 0b6c…'))
    .addCommand(
      new Command('ls')
        .description('List the devices of your account; * marks this one')
        .option('--json', 'print {devices: [{id, name, kind, status, public_key, approved_by, oauth_client_id, created_at, last_seen_at, revoked_at}]}')
        .addHelpText('after', examples('p8fs devices ls', 'p8fs devices ls --json | jq -r ".devices[].id"'))
        .action(async (opts: { json?: boolean }, cmd: Command) => {
          const { server, token, self } = await session(cmd);
          const list = await apiRequest(server, 'GET', '/api/v1/devices', DeviceList, { token });
          io.out(opts.json ? json(list) : render(list.devices, self));
        }),
    )
    .addCommand(
      new Command('rename')
        .description('Rename a device')
        .argument('<id>', 'device id (from devices ls)')
        .argument('<name>', 'the new name')
        .option('--json', 'print the device')
        .addHelpText('after', examples('p8fs devices rename 0b6c… "work laptop"'))
        .action(async (id: string, name: string, opts: { json?: boolean }, cmd: Command) => {
          const { server, token } = await session(cmd);
          const device = await apiRequest(server, 'PATCH', path(id), DeviceDto, { token, json: { name } });
          io.out(opts.json ? json(device) : `renamed ${device.id} to ${device.name}\n`);
        }),
    )
    .addCommand(
      new Command('rm')
        .description(
          'Revoke a device: its tokens stop working at once and it must sign in again. On a device of an end-to-end vault ' +
            'this also rotates the vault keys to a new epoch, wrapped for the remaining devices and the recovery key: what is ' +
            'written from now on is unreadable to the revoked device (what it already synced, it keeps)',
        )
        .argument('<id>', 'device id (from devices ls)')
        .option('--json', 'print the revoked device (an end-to-end vault adds {rotated_epoch, recipients})')
        .addHelpText('after', examples('p8fs devices rm 0b6c…', 'p8fs devices rm 0b6c… --json'))
        .action(async (id: string, opts: { json?: boolean }, cmd: Command) => {
          const { server, token, config, self } = await session(cmd);
          const device = await apiRequest(server, 'DELETE', path(id), DeviceDto, { token });
          // Revoking this very device ends its sign-in: another device rotates the keys (p8fs devices rm there).
          if (!isE2eReplica({ dataDir: config.dataDir, server }) || device.id === self) {
            io.out(opts.json ? json(device) : `revoked ${device.id} (${device.name})\n`);
            return;
          }
          const { epoch, recipients } = await vaultKeysFor(config, server, io).keys.rotate(device.id);
          io.out(opts.json
            ? json({ ...device, rotated_epoch: epoch, recipients })
            : `revoked ${device.id} (${device.name}); vault keys rotated to epoch ${epoch} for the remaining devices and the recovery key: ` +
              'what is written from now on is unreadable to it (what it already had, it keeps)\n');
        }),
    );
};

function render(devices: DeviceDto[], self: string | undefined): string {
  if (devices.length === 0) return 'no devices\n';
  return table([
    ['', 'ID', 'NAME', 'KIND', 'STATUS', 'CREATED', 'LAST SEEN'],
    ...devices.map((d) => [d.id === self ? '*' : '', d.id, d.name, d.kind, d.status, d.created_at.slice(0, 16), d.last_seen_at?.slice(0, 16) ?? '-']),
  ]);
}
