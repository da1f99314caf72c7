"""The vocabulary of the demo tenant: client organizations, device catalog, names, documents.

Fixed data only; `generator` combines it deterministically with a seeded random generator.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OrgProfile:
    """One client organization of the demo MSP, sized on purpose (one large, one tiny)."""

    name: str
    short: str  # hostname prefix
    domain: str  # email domain
    configurations: int
    documents: int
    contacts: int
    locations: tuple[str, ...]  # cities; the first is headquarters
    sql_servers: int
    email_platform: str  # "Microsoft 365", "Exchange 2019" (on premises), "Google Workspace"
    lob_apps: tuple[tuple[str, str, bool], ...]  # (application, vendor, needs SQL Server)
    isp: str
    description: str


ORGANIZATIONS: tuple[OrgProfile, ...] = (
    OrgProfile(
        "Acme Corp",
        "ACME",
        "acmecorp.com",
        configurations=452,
        documents=70,
        contacts=40,
        locations=("Chicago", "Milwaukee", "Indianapolis", "Detroit"),
        sql_servers=3,
        email_platform="Exchange 2019",
        lob_apps=(
            ("Epicor Kinetic ERP", "Epicor", True),
            ("AutoCAD Network License Manager", "Autodesk", False),
            ("Kronos Workforce Central", "UKG", True),
        ),
        isp="Comcast Business",
        description="Manufacturer of industrial fasteners, four sites, 24x7 production floor.",
    ),
    OrgProfile(
        "Contoso",
        "CTSO",
        "contoso.com",
        configurations=262,
        documents=45,
        contacts=28,
        locations=("Seattle", "Portland", "Boise"),
        sql_servers=2,
        email_platform="Microsoft 365",
        lob_apps=(
            ("Sage 300 CRE", "Sage", True),
            ("Procore", "Procore Technologies", False),
        ),
        isp="Lumen",
        description="Regional construction company; project trailers connect over VPN.",
    ),
    OrgProfile(
        "Fabrikam",
        "FABR",
        "fabrikam.com",
        configurations=168,
        documents=35,
        contacts=20,
        locations=("Denver", "Colorado Springs"),
        sql_servers=1,
        email_platform="Microsoft 365",
        lob_apps=(("QuickBooks Enterprise", "Intuit", False), ("SYSPRO ERP", "SYSPRO", True)),
        isp="Zayo",
        description="Textile distributor with a warehouse running handheld scanners.",
    ),
    OrgProfile(
        "Northwind Traders",
        "NWT",
        "northwindtraders.com",
        configurations=110,
        documents=25,
        contacts=15,
        locations=("Boston", "Providence"),
        sql_servers=1,
        email_platform="Google Workspace",
        lob_apps=(("Microsoft Dynamics GP", "Microsoft", True),),
        isp="Verizon Fios Business",
        description="Specialty food importer; GP runs on premises, email in Google Workspace.",
    ),
    OrgProfile(
        "Globex",
        "GLBX",
        "globex.com",
        configurations=62,
        documents=15,
        contacts=10,
        locations=("Austin",),
        sql_servers=1,
        email_platform="Microsoft 365",
        lob_apps=(("Dentrix G7", "Henry Schein One", True),),
        isp="AT&T Business Fiber",
        description="Dental group, HIPAA in scope; Dentrix on a dedicated SQL server.",
    ),
    OrgProfile(
        "Initech",
        "INIT",
        "initech.com",
        configurations=34,
        documents=10,
        contacts=7,
        locations=("Dallas",),
        sql_servers=1,
        email_platform="Microsoft 365",
        lob_apps=(("Sage 100", "Sage", True),),
        isp="Spectrum Business",
        description="Software consultancy, one office, mostly laptops.",
    ),
    OrgProfile(
        "Bluebird Bakery",
        "BLUE",
        "bluebirdbakery.com",
        configurations=5,
        documents=3,
        contacts=2,
        locations=("Asheville",),
        sql_servers=0,
        email_platform="Microsoft 365",
        lob_apps=(("Square POS", "Block", False),),
        isp="AT&T Business Fiber",
        description="Two-person bakery: a firewall, an access point, a printer, two laptops.",
    ),
)


@dataclass(frozen=True)
class DeviceModel:
    manufacturer: str
    model: str
    kind: str  # configuration type kind
    os: str | None
    oui: str  # first three MAC bytes of the vendor
    serial: str  # serial pattern: A = letter, 9 = digit, X = letter or digit, other literal


CONFIGURATION_TYPES: tuple[tuple[str, str], ...] = (
    ("Firewall", "firewall"),
    ("Router", "router"),
    ("Switch", "switch"),
    ("Wireless Access Point", "access_point"),
    ("Managed Server", "server"),
    ("Workstation", "workstation"),
    ("Laptop", "laptop"),
    ("Printer", "printer"),
    ("NAS", "nas"),
    ("UPS", "ups"),
)

CONFIGURATION_STATUSES = ("Active", "Inactive", "In Repair", "Decommissioned")

FIREWALLS = {
    "small": DeviceModel(
        "Fortinet", "FortiGate 60F", "firewall", "FortiOS 7.2.8", "00:09:0F", "FGT60FTK99XXXXXX"
    ),
    "medium": DeviceModel(
        "Fortinet", "FortiGate 100F", "firewall", "FortiOS 7.2.8", "00:09:0F", "FG100FTK99XXXXXX"
    ),
    "large": DeviceModel(
        "Fortinet", "FortiGate 200F", "firewall", "FortiOS 7.4.3", "00:09:0F", "FG200FTK99XXXXXX"
    ),
}
ROUTER = DeviceModel(
    "Cisco", "ISR 1111-8P", "router", "Cisco IOS XE 17.9", "00:1B:54", "FGL9999XXXX"
)
SWITCHES = (
    DeviceModel(
        "Cisco", "Catalyst 9200L-24P-4G", "switch", "Cisco IOS XE 17.9", "00:1B:54", "JAE9999XXXX"
    ),
    DeviceModel(
        "Cisco", "Catalyst 9300-48P", "switch", "Cisco IOS XE 17.9", "00:1B:54", "FOC9999XXXX"
    ),
    DeviceModel(
        "Aruba", "CX 6100 24G Class4 PoE", "switch", "ArubaOS-CX 10.13", "88:3A:30", "SG99XXXXXX"
    ),
    DeviceModel(
        "Ubiquiti", "UniFi USW-Pro-24-PoE", "switch", "UniFi OS 3.2", "24:5A:4C", "XXXXXXXXXXXX"
    ),
)
ACCESS_POINTS = (
    DeviceModel("Ubiquiti", "UniFi U6-Pro", "access_point", None, "24:5A:4C", "XXXXXXXXXXXX"),
    DeviceModel("Cisco", "Meraki MR46", "access_point", None, "0C:8D:DB", "Q3AB-XXXX-XXXX"),
    DeviceModel("Aruba", "AP-515", "access_point", None, "88:3A:30", "CNXXXXXXXX"),
)
SERVERS = (
    DeviceModel(
        "Dell",
        "PowerEdge R650",
        "server",
        "Windows Server 2022 Standard",
        "D4:AE:52",
        "XXXXXXX",
    ),
    DeviceModel(
        "Dell",
        "PowerEdge R750",
        "server",
        "Windows Server 2022 Standard",
        "D4:AE:52",
        "XXXXXXX",
    ),
    DeviceModel(
        "Dell", "PowerEdge T350", "server", "Windows Server 2019 Standard", "D4:AE:52", "XXXXXXX"
    ),
    DeviceModel(
        "HPE",
        "ProLiant DL380 Gen10 Plus",
        "server",
        "Windows Server 2022 Standard",
        "94:40:C9",
        "MXQ999XXXX",
    ),
)
NAS = DeviceModel("Synology", "RS1221+", "nas", "Synology DSM 7.2", "00:11:32", "99A0XXXXXXXXX")
UPS = DeviceModel("APC", "Smart-UPS 1500 SMT1500RM2U", "ups", None, "00:C0:B7", "AS9999999999")
PRINTERS = (
    DeviceModel("HP", "LaserJet Pro M404dn", "printer", None, "3C:52:82", "PHB9XXXXXX"),
    DeviceModel("HP", "Color LaserJet Pro MFP M479fdw", "printer", None, "3C:52:82", "CNB9XXXXXX"),
    DeviceModel("Brother", "HL-L6200DW", "printer", None, "00:80:77", "U6XXXXXXXX"),
)
WORKSTATIONS = (
    DeviceModel("Dell", "OptiPlex 7090", "workstation", "Windows 11 Pro", "D4:AE:52", "XXXXXXX"),
    DeviceModel(
        "HP", "EliteDesk 800 G6", "workstation", "Windows 10 Pro", "3C:52:82", "MXL9XXXXXX"
    ),
    DeviceModel(
        "Lenovo", "ThinkCentre M70q Gen 3", "workstation", "Windows 11 Pro", "8C:16:45", "MJXXXXXX"
    ),
)
LAPTOPS = (
    DeviceModel("Lenovo", "ThinkPad T14 Gen 3", "laptop", "Windows 11 Pro", "8C:16:45", "PFXXXXXX"),
    DeviceModel(
        "Lenovo", "ThinkPad X1 Carbon Gen 10", "laptop", "Windows 11 Pro", "8C:16:45", "PFXXXXXX"
    ),
    DeviceModel("Dell", "Latitude 5440", "laptop", "Windows 11 Pro", "D4:AE:52", "XXXXXXX"),
    DeviceModel("HP", "EliteBook 840 G9", "laptop", "Windows 11 Pro", "3C:52:82", "5CG9XXXXXX"),
    DeviceModel(
        "Apple", "MacBook Pro 14 (M3)", "laptop", "macOS 14 Sonoma", "A4:83:E7", "XXXXXXXXXX"
    ),
)

# Server roles in the order an org gets them; SQL servers are added per profile.
SERVER_ROLES: tuple[tuple[str, str], ...] = (
    ("DC01", "Domain controller (AD DS, DNS, DHCP)"),
    ("FS01", "File server: departmental shares, redirected folders"),
    ("APP01", "Application server"),
    ("BKP01", "Backup server: Veeam Backup & Replication 12, local repository on the NAS"),
    ("DC02", "Secondary domain controller (AD DS, DNS)"),
    ("RDS01", "Remote Desktop Session Host for remote staff"),
    ("PRINT01", "Print server (Type 4 drivers, deployed by GPO)"),
    ("WSUS01", "WSUS and patch reporting"),
    ("APP02", "Application server"),
    ("MON01", "Monitoring collector (RMM probe, syslog)"),
    ("HV01", "Hyper-V host"),
    ("HV02", "Hyper-V host"),
    ("CA01", "Enterprise certificate authority"),
    ("DEV01", "Development and test server"),
)

FIRST_NAMES = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Carlos", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Priya", "Mark", "Sandra",
    "Kevin", "Ashley", "Wei", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Omar", "Carol",
    "Brian", "Amanda", "Aisha", "Melissa", "Luis", "Deborah",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Nguyen", "Hill", "Flores", "Green", "Patel", "Chen", "Kim", "Okafor",
)  # fmt: skip
TITLES = (
    "Office Manager", "Controller", "Operations Manager", "HR Generalist", "Sales Manager",
    "Plant Supervisor", "Accountant", "Project Manager", "Receptionist", "Engineer",
    "Warehouse Lead", "Marketing Coordinator", "Payroll Specialist", "Estimator",
)  # fmt: skip
MAIN_CONTACT_TITLES = ("IT Manager", "Office Manager", "CFO", "Director of Operations")

CONTACT_TYPES = ("Primary Contact", "Approver", "Billing", "Employee", "Vendor")
PASSWORD_CATEGORIES = (
    "Network", "Active Directory", "Cloud", "Database", "Wireless", "Application", "Vendor",
)  # fmt: skip

STREETS = ("Main Street", "Oak Avenue", "Commerce Drive", "Industrial Parkway", "Market Street")
REGISTRARS = ("GoDaddy.com, LLC", "Cloudflare, Inc.", "Network Solutions, LLC", "Namecheap, Inc.")

# Generic documents every org can have, in the order they are handed out.
GENERIC_DOCUMENTS: tuple[str, ...] = (
    "Network Overview",
    "New User Onboarding",
    "User Offboarding Checklist",
    "Backup and Restore Procedure",
    "Firewall Configuration Backup",
    "Remote Access VPN Setup",
    "Printer Troubleshooting",
    "Wi-Fi Troubleshooting",
    "Patch Management Policy",
    "Disaster Recovery Plan",
    "Password Rotation Procedure",
    "Microsoft 365 Admin Tasks",
    "Email Troubleshooting",
    "Escalation Matrix",
    "After-Hours Support Procedure",
    "Security Incident Response",
    "Asset Lifecycle and Disposal",
    "Vendor List and Support Contracts",
    "Switch Configuration Standards",
    "Group Policy Overview",
)
