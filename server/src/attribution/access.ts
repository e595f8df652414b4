import { errorBody, errorResponses } from '../http/errors';

/** What every attribution route shares: its error answers and the two permissions (reading, and changing anything). */
export const responses = { ...errorResponses, 409: errorBody };
export const read = { access: { permission: 'attribution.read' as const } };
export const manage = { access: { permission: 'attribution.manage' as const } };
