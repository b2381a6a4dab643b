/** `dispatcher.case_participants`: organisations (OIN) taking part in a chain case. */
export interface CaseParticipantsTable {
  case_id: string;
  oin: string;
}
