// Drives the provider's Node.js SNAP SDK (npm doku-nodejs-library, unmodified) against a Tunai gateway: token,
// create, status, update, delete. Pointed at the gateway the way SNAP-NOTES found that works: the SDK has no
// base-URL option, so its static config fields are set before the Snap object is built (the CommonJS module is a
// singleton). Prints one JSON line per step: {"step", "ok", "response" | "error"}; exits 0 when every step ran.
'use strict';
const base = process.env.TUNAI_BASE_URL;
const Config = require('doku-nodejs-library/_commons/config');
Config.CORE_SANDBOX_BASE_URL = base;
Config.CORE_PRODUCTION_BASE_URL = base;
const { Snap } = require('doku-nodejs-library');
const CreateVARequestDto = require('doku-nodejs-library/_models/createVaRequestDto');
const UpdateVaDto = require('doku-nodejs-library/_models/updateVaRequestDTO');
const DeleteVaRequestDto = require('doku-nodejs-library/_models/deleteVaRequestDTO');
const CheckStatusVARequestDto = require('doku-nodejs-library/_models/checkStatusVARequestDTO');
const AdditionalInfo = require('doku-nodejs-library/_models/additionalInfo');
const VirtualAccountConfig = require('doku-nodejs-library/_models/virtualAccountConfig');
const UpdateVaAdditionalInfoDto = require('doku-nodejs-library/_models/updateVaAdditionalInfoDTO');
const UpdateVaVirtualAccountConfigDto = require('doku-nodejs-library/_models/updateVaVirtualAccountConfigDTO');
const TotalAmount = require('doku-nodejs-library/_models/totalAmount');

function report(step, ok, detail) {
  process.stdout.write(JSON.stringify(Object.assign({ step, ok }, detail)) + '\n');
}

async function run(step, action) {
  try {
    const response = await action();
    report(step, true, { response: JSON.parse(JSON.stringify(response)) });
    return response;
  } catch (e) {
    report(step, false, { error: e.response ? { status: e.response.status, data: e.response.data } : String(e && e.stack || e) });
    throw e;
  }
}

// WIB wall time with its offset, as the SDK's own schema wants expiredDate (it refuses Z).
function wib(ms) {
  return new Date(ms + 7 * 3600 * 1000).toISOString().slice(0, 19) + '+07:00';
}

(async () => {
  const snap = new Snap({
    isProduction: false,
    privateKey: process.env.TUNAI_SNAP_PRIVATE_KEY,
    clientID: process.env.TUNAI_CLIENT_ID,
    secretKey: process.env.TUNAI_SECRET_KEY,
    publicKey: '',
    dokuPublicKey: '',
    issuer: '',
  });
  const psid = process.env.TUNAI_CODE_PREFIX.padStart(8, ' ');
  const customerNo = process.env.TUNAI_CUSTOMER_NO;
  const vaNo = psid + customerNo;
  // Not 111x: the SDK answers those trxIds itself, without a call.
  const trxId = 'INV-SDK-' + Date.now();

  await run('token', () => snap.getTokenB2B());
  await run('create', () => snap.createVa(new CreateVARequestDto(psid, customerNo, vaNo, 'Anton Budiman', 'anton@example.com',
    '081234567890', trxId, new TotalAmount('150000.00', 'IDR'), new AdditionalInfo('ALFAMART', new VirtualAccountConfig(false)),
    'C', wib(Date.now() + 2 * 3600 * 1000), [{ english: 'Demo Store', indonesia: 'Toko Demo' }])));
  await run('status', () => snap.checkStatusVa(new CheckStatusVARequestDto(psid, customerNo, vaNo, null, null)));
  await run('update', () => snap.updateVa(new UpdateVaDto(psid, customerNo, vaNo, 'Budi Santoso', 'budi@example.com', '081234567890',
    trxId, new TotalAmount('175000.00', 'IDR'), new UpdateVaAdditionalInfoDto('ALFAMART', new UpdateVaVirtualAccountConfigDto('ACTIVE')),
    'C', wib(Date.now() + 3 * 3600 * 1000))));
  // The DTO wraps its fifth argument in DeleteVaRequestAdditionalInfo itself: it takes the channel, not the
  // wrapper the SDK's README builds (which its own schema then refuses).
  await run('delete', () => snap.deletePaymentCode(new DeleteVaRequestDto(psid, customerNo, vaNo, trxId, 'ALFAMART')));
})().then(() => process.exit(0), () => process.exit(1));
