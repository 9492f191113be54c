import { describe, expect, it } from "vitest";
import { azurePlaceOf, parseAzureResourceId } from "./resource-id.ts";

const placeOf = (id: string) => azurePlaceOf(parseAzureResourceId(id));

describe("Azure resource ids", () => {
  it("reads an NSG flow log's upper-case id: subscription lower-cased, NSG in vpc", () => {
    const id = parseAzureResourceId(
      "/SUBSCRIPTIONS/AAAA0A0A-BB1B-CC2C-DD3D-EEEEEE4E4E4E/RESOURCEGROUPS/FABRIKAMRG/PROVIDERS/MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/FABRIAKMVM1-NSG",
    );
    expect(id).toEqual({
      subscription: "aaaa0a0a-bb1b-cc2c-dd3d-eeeeee4e4e4e",
      resourceGroup: "FABRIKAMRG",
      resources: [["networksecuritygroups", "FABRIAKMVM1-NSG"]],
    });
    expect(azurePlaceOf(id)).toEqual({ vpc: "FABRIAKMVM1-NSG", subnet: "", instance: "" });
  });

  it("places VNet flow log targets: VNet, subnet, NIC, VM, other resources", () => {
    const base = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers";
    expect(placeOf(`${base}/Microsoft.Network/virtualNetworks/myVNet`)).toEqual({
      vpc: "myVNet",
      subnet: "",
      instance: "",
    });
    expect(placeOf(`${base}/Microsoft.Network/virtualNetworks/myVNet/subnets/web`)).toEqual({
      vpc: "myVNet",
      subnet: "web",
      instance: "",
    });
    expect(placeOf(`${base}/Microsoft.Network/networkInterfaces/vm1-nic`)).toEqual({
      vpc: "",
      subnet: "",
      instance: "vm1-nic",
    });
    expect(placeOf(`${base}/Microsoft.Compute/virtualMachines/vm1`)).toEqual({
      vpc: "",
      subnet: "",
      instance: "vm1",
    });
    expect(placeOf(`${base}/Microsoft.Network/applicationGateways/agw`)).toEqual({
      vpc: "agw",
      subnet: "",
      instance: "",
    });
  });

  it("gives empty fields for ids it cannot read, without throwing", () => {
    for (const text of ["", "/", "nonsense", "/subscriptions", "//providers//"]) {
      const id = parseAzureResourceId(text);
      expect(id.subscription).toBe("");
      expect(azurePlaceOf(id)).toEqual({ vpc: "", subnet: "", instance: "" });
    }
  });
});
