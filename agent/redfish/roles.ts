/** Redfish predefined roles and their privileges (DSP0266 "Roles"; Redfish privilege registry). */
export const ROLES = {
  Administrator: ['Login', 'ConfigureManager', 'ConfigureUsers', 'ConfigureSelf', 'ConfigureComponents'],
  Operator: ['Login', 'ConfigureSelf', 'ConfigureComponents'],
  ReadOnly: ['Login', 'ConfigureSelf'],
} as const;

export type RoleId = keyof typeof ROLES;
export type Privilege = (typeof ROLES)[RoleId][number];
export const ROLE_IDS = Object.keys(ROLES) as RoleId[];

export function hasPrivilege(role: RoleId, p: Privilege): boolean {
  return (ROLES[role] as readonly string[]).includes(p);
}
