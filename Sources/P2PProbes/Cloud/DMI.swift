import Foundation
import P2PReport

/// The SMBIOS/DMI strings Linux exposes under /sys/class/dmi/id that name a cloud.
public struct DMIInfo: Sendable, Equatable {
    public var sysVendor = ""
    public var biosVendor = ""
    public var biosVersion = ""
    public var productName = ""
    public var productVersion = ""
    public var boardAssetTag = ""
    public var chassisAssetTag = ""
    /// False when none of the files could be read (no DMI: containers, some ARM boards).
    public var available = false

    public init(sysVendor: String = "", biosVendor: String = "", biosVersion: String = "", productName: String = "",
                productVersion: String = "", boardAssetTag: String = "", chassisAssetTag: String = "",
                available: Bool = true) {
        self.sysVendor = sysVendor
        self.biosVendor = biosVendor
        self.biosVersion = biosVersion
        self.productName = productName
        self.productVersion = productVersion
        self.boardAssetTag = boardAssetTag
        self.chassisAssetTag = chassisAssetTag
        self.available = available
    }

    /// Reads the files under `root` (missing files read as ""). Blocking: a handful of tiny reads.
    public static func read(root: String) -> DMIInfo {
        var any = false
        func f(_ name: String) -> String {
            guard let d = FileManager.default.contents(atPath: root + "/" + name) else { return "" }
            any = true
            // Firmware strings are outside text (a VM image can set them): cleaned where they enter.
            return UntrustedText.clean(String(decoding: d.prefix(4096), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines), limit: 128)
        }
        var i = DMIInfo(sysVendor: f("sys_vendor"), biosVendor: f("bios_vendor"), biosVersion: f("bios_version"),
                        productName: f("product_name"), productVersion: f("product_version"),
                        boardAssetTag: f("board_asset_tag"), chassisAssetTag: f("chassis_asset_tag"))
        i.available = any
        return i
    }
}

/// What DMI says about the cloud, before any network query.
public enum DMIVerdict: Sendable, Equatable {
    case cloud(CloudProvider, String)
    /// Another cloud whose metadata service p2ptui does not read (Oracle, DigitalOcean, Hetzner...).
    case otherCloud(String)
    /// Microsoft Hyper-V without Azure's asset tag: Azure or an on-premises Hyper-V VM.
    case maybeAzure(String)
    case notCloud(String)
    case noDMI

    /// Pure classifier over the DMI strings (values in docs/REFERENCES: "Amazon EC2", "Google
    /// Compute Engine", Azure's chassis asset tag 7783-7084-3265-9085-8269-3286-77).
    public static func classify(_ d: DMIInfo) -> DMIVerdict {
        guard d.available else { return .noDMI }
        let vendor = d.sysVendor.lowercased(), bios = d.biosVendor.lowercased()
        let product = d.productName.lowercased()
        if vendor.contains("amazon ec2") || bios.contains("amazon ec2") {
            return .cloud(.aws, "DMI vendor \"\(d.sysVendor.isEmpty ? d.biosVendor : d.sysVendor)\"" + (d.boardAssetTag.hasPrefix("i-") ? ", instance \(d.boardAssetTag)" : ""))
        }
        // Older Xen-based EC2 instances: "Xen" BIOS with an "amazon" version string.
        if d.biosVersion.lowercased().contains("amazon") || d.productVersion.lowercased().contains("amazon") {
            return .cloud(.aws, "DMI version string mentions Amazon (Xen-based EC2)")
        }
        if product.contains("google compute engine") || vendor == "google" || bios == "google" {
            return .cloud(.gcp, "DMI product \"\(d.productName)\"")
        }
        if d.chassisAssetTag == "7783-7084-3265-9085-8269-3286-77" {
            return .cloud(.azure, "DMI chassis asset tag of Azure")
        }
        if vendor.contains("microsoft corporation") && product.contains("virtual machine") {
            return .maybeAzure("DMI \"Microsoft Corporation\" \"Virtual Machine\" without Azure's asset tag (Azure or Hyper-V)")
        }
        if d.chassisAssetTag.lowercased().contains("oraclecloud.com") { return .otherCloud("Oracle Cloud") }
        if vendor.contains("digitalocean") { return .otherCloud("DigitalOcean") }
        if vendor.contains("hetzner") { return .otherCloud("Hetzner") }
        if vendor.contains("alibaba") { return .otherCloud("Alibaba Cloud") }
        let name = [d.sysVendor, d.productName].filter { !$0.isEmpty }.joined(separator: " ")
        return .notCloud(name.isEmpty ? "DMI names no vendor" : "DMI says \"\(name)\"")
    }
}
