/**
 * Azure Resource Manager ids, e.g.
 * `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>`.
 * NSG flow logs write them upper-case (`/SUBSCRIPTIONS/…/NETWORKSECURITYGROUPS/<NSG>`), VNet
 * flow logs in the portal's mixed case: segment names are matched without regard to case.
 */
export interface AzureResourceId {
  /** Subscription GUID, lower-cased: GUIDs are case-insensitive and NSG logs upper-case them. */
  subscription: string;
  resourceGroup: string;
  /** Resource type / name pairs after each provider namespace, types lower-cased. */
  resources: (readonly [type: string, name: string])[];
}

/** Parses an id; fields it does not hold are empty. Never throws. */
export function parseAzureResourceId(id: string): AzureResourceId {
  const parsed: AzureResourceId = { subscription: "", resourceGroup: "", resources: [] };
  const segments = id.split("/").filter((segment) => segment !== "");
  let index = 0;
  while (index < segments.length) {
    const key = (segments[index] ?? "").toLowerCase();
    const value = segments[index + 1] ?? "";
    if (key === "subscriptions") {
      parsed.subscription = value.toLowerCase();
    } else if (key === "resourcegroups") {
      parsed.resourceGroup = value;
    } else if (key === "providers") {
      // `providers/<namespace>` carries no name of its own.
    } else {
      parsed.resources.push([key, value]);
    }
    index += 2;
  }
  return parsed;
}

/** Where in the estate a flow log's target sits: the CloudContext fields an id gives. */
export interface AzurePlace {
  vpc: string;
  subnet: string;
  instance: string;
}

/**
 * The place a resource id names. A VNet (and its subnet) is the `vpc` (`subnet`); a network
 * interface or a virtual machine is the `instance`; any other resource (an NSG, an application
 * gateway, a VPN gateway…) is named in `vpc`, the closest column to "what holds the flow".
 */
export function azurePlaceOf(id: AzureResourceId): AzurePlace {
  const place: AzurePlace = { vpc: "", subnet: "", instance: "" };
  let other = "";
  for (const [type, name] of id.resources) {
    if (type === "virtualnetworks") place.vpc = name;
    else if (type === "subnets") place.subnet = name;
    else if (type === "networkinterfaces" || type === "virtualmachines") place.instance = name;
    else if (other === "") other = name;
  }
  if (place.vpc === "" && place.instance === "") place.vpc = other;
  return place;
}
