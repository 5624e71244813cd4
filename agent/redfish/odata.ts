/** The schema versions this service implements: the newest in the DMTF bundle. */
export const TYPES = {
  ServiceRoot: '#ServiceRoot.v1_20_0.ServiceRoot',
  ComputerSystemCollection: '#ComputerSystemCollection.ComputerSystemCollection',
  ComputerSystem: '#ComputerSystem.v1_27_0.ComputerSystem',
  ActionInfo: '#ActionInfo.v1_5_0.ActionInfo',
  ChassisCollection: '#ChassisCollection.ChassisCollection',
  Chassis: '#Chassis.v1_28_0.Chassis',
  SensorCollection: '#SensorCollection.SensorCollection',
  Sensor: '#Sensor.v1_12_0.Sensor',
  EnvironmentMetrics: '#EnvironmentMetrics.v1_5_0.EnvironmentMetrics',
  ManagerCollection: '#ManagerCollection.ManagerCollection',
  Manager: '#Manager.v1_24_0.Manager',
  ManagerNetworkProtocol: '#ManagerNetworkProtocol.v1_12_0.ManagerNetworkProtocol',
  EthernetInterfaceCollection: '#EthernetInterfaceCollection.EthernetInterfaceCollection',
  EthernetInterface: '#EthernetInterface.v1_12_4.EthernetInterface',
  UpdateService: '#UpdateService.v1_17_0.UpdateService',
  SoftwareInventoryCollection: '#SoftwareInventoryCollection.SoftwareInventoryCollection',
  SoftwareInventory: '#SoftwareInventory.v1_13_0.SoftwareInventory',
  TaskService: '#TaskService.v1_3_0.TaskService',
  TaskCollection: '#TaskCollection.TaskCollection',
  Task: '#Task.v1_7_4.Task',
  SessionService: '#SessionService.v1_2_0.SessionService',
  SessionCollection: '#SessionCollection.SessionCollection',
  Session: '#Session.v1_8_0.Session',
  AccountService: '#AccountService.v1_18_1.AccountService',
  ManagerAccountCollection: '#ManagerAccountCollection.ManagerAccountCollection',
  ManagerAccount: '#ManagerAccount.v1_14_1.ManagerAccount',
  RoleCollection: '#RoleCollection.RoleCollection',
  Role: '#Role.v1_3_3.Role',
} as const;

export const V1 = '/redfish/v1';

export const link = (id: string) => ({ '@odata.id': id });

/** A resource collection body. */
export function collection(type: string, id: string, name: string, members: string[]): Record<string, unknown> {
  return { '@odata.id': id, '@odata.type': type, Name: name, Members: members.map(link), 'Members@odata.count': members.length };
}

/** The CSDL namespace of an @odata.type: `#Sensor.v1_12_0.Sensor` → Sensor, Sensor.v1_12_0. */
export function namespaces(type: string): string[] {
  const parts = type.slice(1).split('.');
  return parts.length === 3 ? [parts[0], `${parts[0]}.${parts[1]}`] : [parts[0]];
}
