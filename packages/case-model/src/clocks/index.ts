export { type AtwUitkomst, geenWerkdag, verlengTotWerkdag } from './atw';
export { addDays, addMonths, addWeeks, amsterdamDate, daysBetween, type IsoDate, weekday } from './calendar';
export { type Feestdag, feestdagenPerJaar, feestdagOp, kalenderJaren } from './feestdagen';
export {
  berekenTermijn,
  dwangsomInEuro,
  hervatOp,
  type KlokFeiten,
  type KlokRegel,
  type KlokStand,
  type KlokStatus,
  klokRegels,
  klokStand,
  OPSCHORTING_DAGTELLING,
  type Opschorting,
  opgeschorteDagen,
  type TermijnBerekening,
} from './termijnen';
