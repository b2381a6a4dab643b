/**
 * @ketenhub/access: the one access model of a chain case (docs/access.md). Pure code that every
 * exit of the hub calls: the gateway (may this system publish this event?), the projection (reads,
 * streams, lists, the page), the dispatcher (deliveries) and every later exit (feeds, replays).
 */

export { foldAccess } from './fold';
export {
  type AccessContext,
  type AccessEvent,
  type AccessRegel,
  type AccessType,
  accessTypes,
  applyAccess,
  betrokkeneVan,
  evolveAccess,
  isAccessType,
  isEigenaar,
  judge,
  oinOfSource,
  rollenVan,
  type Verdict,
} from './participation';
export { type CaseAccess, klokSectie, mag, resolveAccess, sectiesPerRol, type Viewer } from './sections';
export {
  type AccessState,
  type Deelname,
  deelnamesVan,
  emptyAccess,
  gezienSleutel,
  neemtDeel,
  type Toegang,
  type Uitnodiging,
} from './state';
export {
  adviseurVan,
  type EventZicht,
  type Ontvanger,
  ontvangers,
  type Uitgang,
  withoutBsn,
  type ZichtOptions,
  zichtOpEvent,
} from './visibility';
