/**
 * The messages this service sends, copied from the DMTF registries (Base 1.22.1, TaskEvent 1.0.5,
 * Update 1.3.0). test/agent/redfish/registry.test.ts checks each against the registry files.
 */

export interface RegistryMessage { message: string; severity: 'OK' | 'Warning' | 'Critical'; args: number; resolution: string }

export const Base = {
  prefix: "Base.1.22.1",
  messages: {
    Success: { message: "The request completed successfully.", severity: "OK", args: 0, resolution: "None." },
    GeneralError: { message: "A general error has occurred.  See Resolution for information on how to resolve the error, or @Message.ExtendedInfo if Resolution is not provided.", severity: "Critical", args: 0, resolution: "None." },
    Created: { message: "The resource was created successfully.", severity: "OK", args: 0, resolution: "None." },
    PropertyUnknown: { message: "The property %1 is not in the list of valid properties for the resource.", severity: "Warning", args: 1, resolution: "Remove the unknown property from the request body and resubmit the request if the operation failed." },
    PropertyValueTypeError: { message: "The value '%1' for the property %2 is not a type that the property can accept.", severity: "Warning", args: 2, resolution: "Correct the value for the property in the request body and resubmit the request if the operation failed." },
    PropertyValueFormatError: { message: "The value '%1' for the property %2 is not a format that the property can accept.", severity: "Warning", args: 2, resolution: "Correct the value for the property in the request body and resubmit the request if the operation failed." },
    PropertyValueNotInList: { message: "The value '%1' for the property %2 is not in the list of acceptable values.", severity: "Warning", args: 2, resolution: "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed." },
    PropertyValueOutOfRange: { message: "The value '%1' for the property %2 is not in the supported range of acceptable values.", severity: "Warning", args: 2, resolution: "Correct the value for the property in the request body and resubmit the request if the operation failed." },
    PropertyNotWritable: { message: "The property %1 is a read-only property and cannot be assigned a value.", severity: "Warning", args: 1, resolution: "Remove the property from the request body and resubmit the request if the operation failed." },
    PropertyMissing: { message: "The property %1 is a required property and must be included in the request.", severity: "Warning", args: 1, resolution: "Ensure that the property is in the request body and has a valid value and resubmit the request if the operation failed." },
    MalformedJSON: { message: "The request body submitted was malformed JSON and could not be parsed by the receiving service.", severity: "Critical", args: 0, resolution: "Ensure that the request body is valid JSON and resubmit the request." },
    ActionParameterMissing: { message: "The action %1 requires the parameter %2 to be present in the request body.", severity: "Critical", args: 2, resolution: "Supply the action with the required parameter in the request body when the request is resubmitted." },
    ActionParameterUnknown: { message: "The action %1 was submitted with the invalid parameter %2.", severity: "Warning", args: 2, resolution: "Correct the invalid action parameter and resubmit the request if the operation failed." },
    ActionParameterValueTypeError: { message: "The value '%1' for the parameter %2 in the action %3 is not a type that the parameter can accept.", severity: "Warning", args: 3, resolution: "Correct the value for the parameter in the request body and resubmit the request if the operation failed." },
    ActionParameterValueFormatError: { message: "The value '%1' for the parameter %2 in the action %3 is not a format that the parameter can accept.", severity: "Warning", args: 3, resolution: "Correct the value for the parameter in the request body and resubmit the request if the operation failed." },
    ActionParameterValueNotInList: { message: "The value '%1' for the parameter %2 in the action %3 is not in the list of acceptable values.", severity: "Warning", args: 3, resolution: "Choose a value from the enumeration list that the implementation can support and resubmit the request if the operation failed." },
    ActionParameterNotSupported: { message: "The parameter %1 for the action %2 is not supported on the target resource.", severity: "Warning", args: 2, resolution: "Remove the parameter supplied and resubmit the request if the operation failed." },
    QueryNotSupported: { message: "Querying is not supported by the implementation.", severity: "Warning", args: 0, resolution: "Remove the query parameters and resubmit the request if the operation failed." },
    QueryParameterUnsupported: { message: "Query parameter '%1' is not supported.", severity: "Warning", args: 1, resolution: "Correct or remove the query parameter and resubmit the request." },
    ResourceAlreadyExists: { message: "The requested resource of type %1 with the property %2 with the value '%3' already exists.", severity: "Critical", args: 3, resolution: "Do not repeat the create operation as the resource was already created." },
    ResourceNotFound: { message: "The requested resource of type %1 named '%2' was not found.", severity: "Critical", args: 2, resolution: "Provide a valid resource identifier and resubmit the request." },
    ResourceInUse: { message: "The change to the requested resource failed because the resource is in use or in transition.", severity: "Warning", args: 0, resolution: "Remove the condition and resubmit the request if the operation failed." },
    PayloadTooLarge: { message: "The supplied payload exceeds the maximum size supported by the service.", severity: "Critical", args: 0, resolution: "Check that the supplied payload is correct and supported by this service." },
    CreateFailedMissingReqProperties: { message: "The create operation failed because the required property %1 was missing from the request.", severity: "Critical", args: 1, resolution: "Correct the body to include the required property with a valid value and resubmit the request if the operation failed." },
    NoValidSession: { message: "There is no valid session established with the implementation.", severity: "Critical", args: 0, resolution: "Establish a session before attempting any operations." },
    InsufficientPrivilege: { message: "There are insufficient privileges for the account or credentials associated with the current session to perform the requested operation.", severity: "Critical", args: 0, resolution: "Either abandon the operation or change the associated access rights and resubmit the request if the operation failed." },
    InternalError: { message: "The request failed due to an internal service error.  The service is still operational.", severity: "Critical", args: 0, resolution: "Resubmit the request.  If the problem persists, consider resetting the service." },
    ResourceMissingAtURI: { message: "The resource at the URI '%1' was not found.", severity: "Critical", args: 1, resolution: "Place a valid resource at the URI or correct the URI and resubmit the request." },
    ServiceDisabled: { message: "The operation failed because the service at %1 is disabled and cannot accept requests.", severity: "Warning", args: 1, resolution: "Enable the service and resubmit the request if the operation failed." },
    StringValueTooLong: { message: "The string '%1' exceeds the length limit %2.", severity: "Warning", args: 2, resolution: "Resubmit the request with an appropriate string length." },
    NoOperation: { message: "The request body submitted contain no data to act upon and no changes to the resource took place.", severity: "Warning", args: 0, resolution: "Add properties in the JSON object and resubmit the request." },
    HeaderInvalid: { message: "Header '%1' is invalid.", severity: "Critical", args: 1, resolution: "Resubmit the request with a valid request header." },
    PreconditionFailed: { message: "The ETag supplied did not match the ETag required to change this resource.", severity: "Critical", args: 0, resolution: "Try the operation again using the appropriate ETag." },
    OperationNotAllowed: { message: "The HTTP method is not allowed on this resource.", severity: "Critical", args: 0, resolution: "None." },
    ResourceCannotBeDeleted: { message: "The delete request failed because the resource requested cannot be deleted.", severity: "Critical", args: 0, resolution: "Do not attempt to delete a non-deletable resource." },
    PropertyValueIncorrect: { message: "The property '%1' with the requested value of '%2' could not be written because the value is not acceptable for the property.", severity: "Warning", args: 2, resolution: "None." },
    ServiceShuttingDown: { message: "The operation failed because the service is shutting down and can no longer take incoming requests.", severity: "Critical", args: 0, resolution: "When the service becomes available, resubmit the request if the operation failed." },
    EmptyJSON: { message: "The request body submitted contained an empty JSON object and the service is unable to process it.", severity: "Warning", args: 0, resolution: "Add properties in the JSON object and resubmit the request." },
    AccountRemoved: { message: "The account was successfully removed.", severity: "OK", args: 0, resolution: "None." },
    AccountModified: { message: "The account was successfully modified.", severity: "OK", args: 0, resolution: "None." },
    OperationFailed: { message: "An error occurred internal to the service as part of the overall request.  Partial results may have been returned.", severity: "Warning", args: 0, resolution: "Resubmit the request.  If the problem persists, consider resetting the service or provider." },
    ActionNotSupported: { message: "The action %1 is not supported by the resource.", severity: "Critical", args: 1, resolution: "Check the Actions property in the resource for the supported actions." },
    ResourceExhaustion: { message: "The resource '%1' was unable to satisfy the request due to unavailability of resources.", severity: "Critical", args: 1, resolution: "Ensure that the resources are available and resubmit the request." },
    SessionLimitExceeded: { message: "The session establishment failed due to the number of simultaneous sessions exceeding the limit of the implementation.", severity: "Critical", args: 0, resolution: "Reduce the number of other sessions before trying to establish the session or increase the limit of simultaneous sessions, if supported." },
  },
} as const satisfies { prefix: string; messages: Record<string, RegistryMessage> };

export const TaskEvent = {
  prefix: "TaskEvent.1.0.5",
  messages: {
    TaskStarted: { message: "The task with Id '%1' has started.", severity: "OK", args: 1, resolution: "None." },
    TaskCompletedOK: { message: "The task with Id '%1' has completed.", severity: "OK", args: 1, resolution: "None." },
    TaskAborted: { message: "The task with Id '%1' has completed with errors.", severity: "Critical", args: 1, resolution: "None." },
    TaskCancelled: { message: "Work on the task with Id '%1' was halted prior to completion due to an explicit request.", severity: "Warning", args: 1, resolution: "None." },
    TaskProgressChanged: { message: "The task with Id '%1' has changed to progress %2 percent complete.", severity: "OK", args: 2, resolution: "None." },
  },
} as const satisfies { prefix: string; messages: Record<string, RegistryMessage> };

export const Update = {
  prefix: "Update.1.3.0",
  messages: {
    TargetDetermined: { message: "The target device '%1' will be updated with image '%2'.", severity: "OK", args: 2, resolution: "None." },
    TransferringToComponent: { message: "Image '%1' is being transferred to '%2'.", severity: "OK", args: 2, resolution: "None." },
    VerifyingAtComponent: { message: "Image '%1' is being verified at '%2'.", severity: "OK", args: 2, resolution: "None." },
    InstallingOnComponent: { message: "Image '%1' is being installed on '%2'.", severity: "OK", args: 2, resolution: "None." },
    AwaitToActivate: { message: "Awaiting for an action to proceed with activating image '%1' on '%2'.", severity: "OK", args: 2, resolution: "Perform the requested action to advance the update operation." },
    UpdateSuccessful: { message: "Device '%1' successfully updated with image '%2'.", severity: "OK", args: 2, resolution: "None." },
    TransferFailed: { message: "Transfer of image '%1' to '%2' failed.", severity: "Critical", args: 2, resolution: "None." },
    VerificationFailed: { message: "Verification of image '%1' at '%2' failed.", severity: "Critical", args: 2, resolution: "None." },
    ApplyFailed: { message: "Installation of image '%1' to '%2' failed.", severity: "Critical", args: 2, resolution: "None." },
    ActivateFailed: { message: "Activation of image '%1' on '%2' failed.", severity: "Critical", args: 2, resolution: "None." },
  },
} as const satisfies { prefix: string; messages: Record<string, RegistryMessage> };
