/** Test helpers of the ZGW connector: a ZGW installation over https, and Open Zaak's notifications. */

export {
  type VoorbeeldCatalogus,
  type VoorbeeldOptions,
  voorbeeldCatalogus,
  voorbeeldConfig,
  voorbeeldPublishes,
} from './config';
export {
  aanmaakdatum,
  besluitNotificatie,
  openNotificatiesTest,
  postNotificatie,
  zaakNotificatie,
  zaakResourceNotificatie,
} from './notificaties';
export { selfSignedCertificate, type TestCertificate } from './tls';
export {
  startZgwServer,
  type ZgwRequest,
  type ZgwServer,
  type ZgwServerOptions,
  zgwUuid,
} from './zgw-server';
