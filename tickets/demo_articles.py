"""Demo knowledge-base articles for ``seed_demo``: what partners of a cloud PBX / unified
communications / CLASSOUND telephony vendor most often ask. Safe to run repeatedly."""

from dataclasses import dataclass

from django.db import transaction

from tickets.models import Article


@dataclass(frozen=True)
class DemoArticle:
    slug: str
    title: str
    product: str
    case_type_code: str
    reason_code: str
    device_kind: str
    tags: str
    body: str


TS, CC, CS, FR, HW = (
    "tech_support",
    "customer_care",
    "customer_success",
    "feature_request",
    "hwaas_management",
)
CLOUD, HARDWARE, DEVICE = "cloud_pbx", "hardware_pbx", "device"

ARTICLES = [
    DemoArticle(
        "sip-trunk-does-not-register",
        "SIP trunk does not register",
        "PBX",
        TS,
        "pbx-configuration",
        HARDWARE,
        "sip, trunk, registration, 401, 403, provider",
        """\
A trunk that shows "Not registered" in the PBX admin usually has one of four causes.

1. The credentials do not match what the provider expects: check user name, authentication user and
   password, and whether the provider wants the number in international format.
2. The provider's registrar name does not resolve from the PBX: test it from the PBX terminal with
   a DNS lookup.
3. A firewall in front of the PBX blocks outgoing SIP (UDP/TCP 5060 or TLS 5061) or the replies.
4. The provider answers 403 Forbidden because the public address of the PBX is not on its allow
   list.

Look at the SIP trace of one registration attempt (Settings → Trunks → Trace). A 401 followed by
another 401 means wrong credentials; no answer at all means the packets never reach the provider.

If you open a case, attach the trace (pcap) and say which provider and which trunk.""",
    ),
    DemoArticle(
        "one-way-audio",
        "One-way audio: one side cannot hear the other",
        "PBX",
        TS,
        "call-quality",
        "",
        "audio, one-way audio, nat, sip alg, rtp, firewall",
        """\
When a call connects but only one party hears the other, the voice (RTP) packets are taken a
different path from the signalling, and one direction is lost on the way.

- Turn off SIP ALG ("SIP helper", "SIP inspection") on the customer's router. It rewrites addresses
  in the signalling and is the most common cause.
- Check that the public address set in the PBX's NAT settings is the address the office really uses
  on the internet.
- Open the RTP port range of the PBX (see Settings → SIP-RTP) towards the PBX, or allow established
  UDP replies.
- If only remote workers are affected, test the same phone on a mobile hotspot: if audio is fine
  there, the remote network is blocking UDP.

Attach a trace taken while the problem happens, with the calling and called numbers and the time of
the call.""",
    ),
    DemoArticle(
        "calls-drop-after-30-seconds",
        "Calls drop after about 30 seconds",
        "PBX",
        TS,
        "call-quality",
        "",
        "dropped calls, 30 seconds, ack, session timer, nat",
        """\
A call that always ends after 30 to 32 seconds is a signalling problem, not a line problem: one
side never received the confirmation (ACK) of the answered call and gives up.

- Look for SIP ALG on the router and turn it off.
- Make sure the PBX's public address and the router's port forwarding agree.
- If the drop happens only with one operator, try the same call through another trunk: problems
  caused by the operator are for the operator to fix.
- Calls that drop after 15 or 30 minutes instead point to session timers: compare the session timer
  values on the PBX and on the trunk.

For a case, give two or three examples (time, caller, callee) and attach a trace of one of them.
Calls that drop and are not caused by the operator may qualify for Critical handling.""",
    ),
    DemoArticle(
        "choppy-audio-jitter-packet-loss",
        "Choppy or robotic audio: jitter and packet loss",
        "PBX",
        TS,
        "call-quality",
        "",
        "choppy audio, jitter, packet loss, qos, bandwidth",
        """\
Audio that breaks up or sounds robotic means voice packets arrive late or not at all.

1. Run the call quality report for the affected calls (Monitoring → Calls): jitter above 30 ms or
   packet loss above 1 % explains what people hear.
2. Check the office uplink while the problem happens: large uploads (backups, cloud sync) fill it
   and delay voice.
3. Give voice priority on the router (QoS, DSCP EF for RTP) and keep Wi-Fi phones on a band with
   little congestion.
4. Compare with a call from a phone on a wired connection: if that one is clean, the local network
   is the place to look.

Send us the report and the times of a few bad calls if the network checks come out clean.""",
    ),
    DemoArticle(
        "echo-or-noise-on-calls",
        "Echo or background noise on calls",
        "Phones",
        TS,
        "call-quality",
        DEVICE,
        "echo, noise, headset, handset, acoustic",
        """\
Echo heard by the far end usually comes from the near end's device: a speakerphone too loud, a
handset cable that is damaged, or a headset without echo cancellation.

- Ask who hears the echo. If the remote caller hears themselves, look at the phone or headset of
  the local user.
- Lower the speaker volume and try the handset instead of the speakerphone.
- Swap the headset for another model to rule it out.
- Update the phone's firmware: newer versions improve echo cancellation.

Noise that appears on every phone at once points to the trunk or the operator instead; in that case
test through another trunk before opening a case.""",
    ),
    DemoArticle(
        "cloud-pbx-unreachable-checklist",
        "Cloud PBX unreachable: checklist before you open a case",
        "UC Cloud",
        TS,
        "cloud-pbx-unreachable",
        CLOUD,
        "cloud, unreachable, down, outage, status page, dns",
        """\
If users cannot reach the cloud PBX (web admin, apps and phones all fail), go through this list
first; it takes a couple of minutes.

1. Look at the service status page: a known incident is shown there with updates.
2. Open the PBX address from a mobile phone on 4G/5G, outside the office network. If it works
   there, the problem is the office connection or its firewall.
3. Check that the PBX name still resolves (nslookup yourpbx.example-cloud.net).
4. Ask whether anything changed today on the customer's network: new router, new firewall rules, a
   changed DNS server.

If the PBX cannot be reached from anywhere, open a Tech Support case with reason "Cloud PBX
unreachable" and ask for Critical: the cloud system being unreachable is one of the criteria. Give
the PBX address and the time the problem started.""",
    ),
    DemoArticle(
        "reset-pbx-admin-password",
        "Reset the administrator password of a PBX",
        "PBX",
        TS,
        "password-reset",
        "",
        "password, admin, reset, locked out, login",
        """\
If nobody can log in as administrator any more, we can reset the password for you.

- For security, the request must come from a user of the organisation that owns the PBX, through a
  case: we never reset passwords asked for by phone or e-mail alone.
- Give the PBX serial number or its cloud address and the e-mail address that should receive the
  new password.
- After the reset, log in, change the password at once, and add a second administrator so the PBX
  is never left with a single account.

Users who forgot their own password do not need us: an administrator can set a new one
under Users.""",
    ),
    DemoArticle(
        "user-forgot-app-password",
        "A user forgot the password for the apps",
        "Collaboration app",
        TS,
        "password-reset",
        "",
        "password, user, app, collaboration, mobile, forgot",
        """\
Users can reset their own password from the login page of the collaboration app ("Forgot
password?"): a link is sent to the e-mail address stored on their user.

If the e-mail never arrives:
- check that the user has an e-mail address in the PBX's user list;
- look in the spam folder;
- an administrator can set a temporary password in the PBX admin under Users and ask the user to
  change it at first login.

If the administrator password is also lost, see "Reset the administrator password of a PBX".""",
    ),
    DemoArticle(
        "zero-touch-phone-provisioning",
        "Provision a desk phone with zero-touch provisioning",
        "Phones",
        TS,
        "devices",
        DEVICE,
        "provisioning, zero touch, mac, desk phone, auto provisioning",
        """\
Phones bought through us can be assigned to a PBX before they are unpacked.

1. In the PBX admin, open Devices and add the phone by its MAC address (printed on the label and on
   the box).
2. Assign it to a user.
3. Connect the phone to the network: it contacts the provisioning server, learns which PBX it
   belongs to and downloads its settings.

The phone needs outgoing HTTPS to the internet. If it stays on "Provisioning…" see "Phone stuck on
provisioning after a factory reset".""",
    ),
    DemoArticle(
        "phone-stuck-on-provisioning",
        "Phone stuck on provisioning after a factory reset",
        "Phones",
        TS,
        "devices",
        DEVICE,
        "provisioning, factory reset, dhcp, stuck, boot",
        """\
A phone that keeps showing "Provisioning…" cannot reach the provisioning server or is not assigned
to any PBX.

- Check that the MAC address is added to the PBX under Devices.
- Make sure DHCP option 66 on the customer's network is not pointing the phone at an old
  provisioning server.
- Confirm outgoing HTTPS is allowed and that no proxy intercepts it.
- Try the phone on another network port or on a simple home router to rule out the local network.

If none of this helps, open a case with the MAC address, the phone model and its firmware version
(shown on the phone's status screen).""",
    ),
    DemoArticle(
        "upgrade-phone-firmware",
        "Upgrade the firmware of phones and DECT bases",
        "Phones",
        TS,
        "devices",
        DEVICE,
        "firmware, upgrade, phone, dect, update",
        """\
Phones and DECT bases take their firmware from the PBX they are registered on.

1. Update the PBX first: each WMS version brings the firmware it was tested with.
2. In Devices, select the phones and choose "Upgrade firmware". Phones restart one by one; a call
   in progress is not interrupted, the phone waits until it is idle.
3. For DECT, upgrade the base first, then the handsets over the air; this can take an hour for a
   large installation.

Do not install firmware files downloaded from elsewhere on devices managed by the PBX: the PBX
would roll them back at the next provisioning. When you report a device problem, always give the
firmware version shown in Devices.""",
    ),
    DemoArticle(
        "upgrade-pbx-wms-version",
        "Upgrade a PBX to a new WMS version safely",
        "PBX",
        TS,
        "pbx-configuration",
        "",
        "wms, upgrade, version, release notes, backup",
        """\
Before upgrading the PBX software (WMS):

- Read the release notes of every version between the one installed and the target one.
- Take a backup and download it (see "Back up and restore a PBX configuration").
- Plan the upgrade outside business hours: the PBX restarts and calls in progress are cut.

Cloud PBXs can be scheduled from the partner portal; hardware PBXs are upgraded from their own
admin (System → Upgrade). After the upgrade, make a test call in and out, and check that trunks are
registered. In any case about the PBX, give the WMS version shown at the bottom of the admin
page.""",
    ),
    DemoArticle(
        "backup-and-restore-pbx",
        "Back up and restore a PBX configuration",
        "PBX",
        TS,
        "pbx-configuration",
        HARDWARE,
        "backup, restore, configuration, migration",
        """\
A backup holds users, groups, dial plans, trunks, voicemails (optional) and settings.

- Schedule a daily backup to an external storage (FTP, SFTP or a network share) under System →
  Backup, and keep several copies.
- To restore, upload the backup in System → Backup → Restore. Restoring onto a different PBX (for
  example when replacing hardware) needs the licence to be moved first: ask Customer Care to move
  it.
- A backup taken on a newer WMS version cannot be restored on an older one.

Test a restore once a year on a spare or cloud test PBX: an untested backup is only a hope.""",
    ),
    DemoArticle(
        "dect-handset-will-not-register",
        "DECT handset will not register to the base",
        "DECT",
        TS,
        "devices",
        DEVICE,
        "dect, handset, register, base, pin",
        """\
To register a handset:

1. Put the base in registration mode from the PBX admin (Devices → the base → Register handset).
2. On the handset, choose Register and enter the PIN shown in the admin.
3. Registration must finish within two minutes.

If it fails: make sure the handset is not still registered to another base (reset it), that the
base has a free slot, and that the handset is within a few metres of the base during registration.
Handsets from other vendors may work only with limited features.""",
    ),
    DemoArticle(
        "classound-calls-failing",
        "CLASSOUND calls failing: what to check and what to send us",
        "CLASSOUND",
        TS,
        "classound-outage",
        "",
        "classound, outage, incoming, outgoing, calls fail, did",
        """\
When calls over CLASSOUND fail, tell us quickly and precisely: restoration is worked on around the
clock.

Before opening the case:
- Check the service status page for a known incident.
- Note whether incoming, outgoing or all calls fail, and for which numbers.
- Make one test call each way and write down the time, the calling number and the called number.

Open a Tech Support case with reason "CLASSOUND telephony outage", pick the category that matches
(incoming, outgoing or no calls at all) and ask for Critical if the business cannot work. Outside
support hours, also call the 24/7 line.""",
    ),
    DemoArticle(
        "classound-number-porting",
        "Porting numbers to CLASSOUND: documents and timeline",
        "CLASSOUND",
        CC,
        "classound",
        "",
        "porting, number porting, lnp, did, loa, classound",
        """\
To bring a customer's existing numbers to CLASSOUND you need:

- a signed letter of authorisation from the number holder;
- a recent bill from the current operator showing the numbers and the account holder's name and
  address exactly as the operator has them;
- for some countries, a copy of the holder's company registration or ID.

Mismatched names or addresses are the main reason a port is rejected: copy them from the bill. A
port usually completes in one to three weeks depending on the country and the operator. Keep the
old service active until the port date is confirmed, and set up the numbers on the PBX in advance
so calls work from the first minute.""",
    ),
    DemoArticle(
        "classound-caller-name-cnam",
        "Set the caller name (CNAM) for US and Canadian numbers",
        "CLASSOUND",
        CC,
        "classound",
        "",
        "cnam, caller name, caller id, us, canada",
        """\
In the United States and Canada, the name shown to the people you call (CNAM) is stored in a shared
database, not sent with the call.

Open a Customer Care case with reason CLASSOUND and category "Set or update caller name", listing
each number and the name to show (up to 15 characters, letters, digits and spaces). The change
reaches most carriers within a few days; some mobile carriers keep their own cache for longer.
Outside the US and Canada, the name comes from the operator of the person called and cannot be set
by us.""",
    ),
    DemoArticle(
        "classound-cancel-number",
        "Cancel a CLASSOUND number",
        "CLASSOUND",
        CC,
        "classound",
        "",
        "cancel, did, number, cancellation, classound",
        """\
To stop paying for a number, ask for its cancellation through a Customer Care case (reason
CLASSOUND, category "Number (DID) cancellation"). Remove the number from the PBX dial plan first.

Fees run until we receive and process the written cancellation, so do not rely on removing the
number from the PBX alone. A cancelled number may be impossible to get back: if the customer is
moving to another operator, ask for a port instead of a cancellation.""",
    ),
    DemoArticle(
        "find-invoices-and-credit-notes",
        "Find your invoices and credit notes",
        "Billing",
        CC,
        "billing",
        "",
        "invoice, credit note, billing, download, pdf",
        """\
Invoices and credit notes are sent by e-mail to the billing address we have for your company, and
can be downloaded as PDF from the partner portal under Billing.

- If invoices go to the wrong person, update the billing contact (see "Update your company's
  contacts, address or portal access").
- A credit note is issued against a specific invoice; it is listed beside that invoice and deducted
  from the next payment.
- For a tax breakdown of an invoice or a quote (US and Canada), open a Customer Care case with
  reason Billing and the invoice number.""",
    ),
    DemoArticle(
        "dispute-invoice-or-delivery-document",
        "Dispute an invoice or a delivery document",
        "Billing",
        CC,
        "billing",
        "",
        "dispute, invoice, delivery note, credit note, billing error",
        """\
If an invoice or a delivery document is wrong, open a Customer Care case with reason Billing and
the matching category. Attach:

- the invoice or delivery document (PDF);
- what you expected instead: quantities, prices, or the order it should match;
- for missing or damaged goods, photos of the package and of the delivery note as signed.

Pay the undisputed part on time: disputing one line does not stop interest on the rest of the
invoice. When the dispute is accepted we issue a credit note.""",
    ),
    DemoArticle(
        "availability-credits-on-invoice",
        "How availability credits show on your invoice",
        "Billing",
        CC,
        "billing",
        CLOUD,
        "availability, credit, sla, uptime, invoice, discount",
        """\
When a cloud service's monthly availability falls below the commitment through our fault, part of
that month's licence fee is credited.

- The credit is computed per subscription once the month is over, from the incidents recorded for
  the service.
- Scheduled maintenance announced in advance does not count as unavailability.
- The credit is deducted from the next invoice and shown on it as a separate line.

If you believe an outage was missed, open a Customer Care case with reason Billing, the service,
and the dates and times affected.""",
    ),
    DemoArticle(
        "hwaas-replacement-paperwork",
        "Replacing a damaged, stolen or burnt HWaaS device: the paperwork",
        "HWaaS",
        HW,
        "replace-device",
        DEVICE,
        "hwaas, replacement, damage, theft, fire, police report, serial",
        """\
Leased (HWaaS) devices are replaced free of charge whatever the damage, as long as we can identify
the device by its serial number label.

- Damaged device with a readable label: open a HWaaS Management case with reason "Replace a damaged
  or stolen device", give the serial number and a photo of the label.
- Stolen device, or a fire that destroyed the label: attach a copy of the police report that lists
  the model and serial number of each device.

The replacement ships within one working day. The faulty unit is picked up by us; transport is
invoiced at cost. A device lost for another reason (not theft or fire) is charged to the lessee.""",
    ),
    DemoArticle(
        "hwaas-reduce-or-exchange-six-months",
        "Reducing HWaaS quantities or changing models: the six-month rule",
        "HWaaS",
        HW,
        "reduce-quantity",
        DEVICE,
        "hwaas, reduce, exchange, model, six months, term",
        """\
During the first six months after delivery, the number of leased devices cannot be reduced and a
device cannot be exchanged for another model.

After six months, open a HWaaS Management case with reason "Reduce quantity" or "Exchange for
another model" and list the serial numbers involved. For an exchange, name the new model; the fee
changes from the date the new device is delivered. Devices you return must be sent back complete;
missing items may be charged.""",
    ),
    DemoArticle(
        "hwaas-return-at-end-of-term",
        "Returning HWaaS devices at the end of the term",
        "HWaaS",
        HW,
        "return-devices",
        DEVICE,
        "hwaas, return, end of term, casualty value, shipping",
        """\
At the end of the term, leased devices go back to us.

1. Open a HWaaS Management case with reason "Return devices" and the serial numbers.
2. We send return instructions and a label.
3. Pack the devices with their power supplies and accessories.

Devices that are not returned are charged: the fees still unpaid for the term, plus the device's
casualty value and 10 % of that value, after which the device belongs to the lessee. Overdue
amounts bear interest.""",
    ),
    DemoArticle(
        "hwaas-add-devices-invoicing",
        "Adding devices to a HWaaS agreement: when invoicing starts",
        "HWaaS",
        HW,
        "add-devices",
        DEVICE,
        "hwaas, add devices, order, invoicing, fee",
        """\
New devices are added to the existing agreement and listed with their serial numbers in its annex.

Open a HWaaS Management case with reason "Add devices", with the models and quantities, the
delivery address and the PBX they will be used with. The monthly fee for a new device starts 14
days after the order, whether or not it has been installed by then. Fees are invoiced in
advance.""",
    ),
    DemoArticle(
        "capex-rma-warranty-documents",
        "RMA for a purchased device: warranty and documents",
        "Hardware",
        HW,
        "capex-rma",
        DEVICE,
        "rma, warranty, capex, purchased, return, proof of purchase",
        """\
Devices bought outright (CAPEX) have a one-year warranty if bought on or after 1 July 2022. Devices
bought before that date with the extended warranty agreement are covered for five years; for those
older than one year, attach the signed agreement. Devices bought more than five years ago cannot be
returned under warranty.

An RMA request needs:
- a description of the fault and what you tried (reset, firmware, another port);
- the proof of purchase (invoice);
- in the United States, the weight and dimensions of the package, to get a return label.

The replacement ships once the faulty unit has arrived and the fault is confirmed. Damage from
misuse, accidents, an unsuitable environment or normal wear is not covered.""",
    ),
    DemoArticle(
        "convert-capex-to-hwaas",
        "Convert purchased devices to HWaaS",
        "HWaaS",
        HW,
        "capex-convert",
        DEVICE,
        "capex, hwaas, convert, lease, purchased",
        """\
A device you bought can move to a HWaaS agreement at any time, free of charge, as long as it works.
From then on it can be exchanged, returned or upgraded like any leased device.

Open a HWaaS Management case with reason "Convert a purchased device to HWaaS" and the serial
numbers. A device that no longer works cannot be converted: request an RMA or a replacement
instead.""",
    ),
    DemoArticle(
        "teams-integration-calls-not-reaching",
        "Microsoft Teams integration: calls do not reach Teams users",
        "Integrations",
        TS,
        "integrations",
        CLOUD,
        "teams, microsoft, integration, direct routing, calls",
        """\
When PBX calls do not ring in Teams:

- Check in the PBX admin that the Teams integration shows as connected and the Microsoft 365
  consent has not expired.
- Make sure each Teams user is linked to a PBX user with an extension.
- Look at whether the problem affects all users (integration or tenant) or a few (their licences or
  user settings).

Open a case with the tenant domain, one affected user and the time of a failed call.""",
    ),
    DemoArticle(
        "crm-click-to-call-stopped",
        "CRM click-to-call and call logging stop working",
        "Integrations",
        TS,
        "integrations",
        "",
        "crm, salesforce, hubspot, click to call, call log, api",
        """\
Click-to-call and call logging depend on a token the CRM issues to the PBX.

1. Reconnect the CRM in the PBX admin (Integrations): tokens expire when the CRM user's password
   changes or when the CRM admin revokes apps.
2. Check that the CRM user used for the integration still exists and has API access.
3. Make sure users' phone numbers in the CRM are written in international format.

If reconnecting does not help, tell us the CRM, the time of a failed action and the PBX user
involved.""",
    ),
    DemoArticle(
        "mobile-app-does-not-ring",
        "Mobile app does not ring for incoming calls",
        "Collaboration app",
        TS,
        "apps",
        "",
        "mobile, app, push, notifications, ring, android, ios",
        """\
The mobile app is woken up by push notifications. If it does not ring:

- Allow notifications for the app and exclude it from battery saving (Android).
- Log out and in again so the phone registers for push again.
- Check that the user has the mobile app enabled in their PBX user settings.
- On company Wi-Fi, make sure the push services of Apple and Google are reachable.

If only some users are affected, give their names and phone models when you open a case.""",
    ),
    DemoArticle(
        "add-or-remove-pbx-licences",
        "Add or remove PBX licences",
        "Licences",
        CC,
        "pbx-licenses",
        CLOUD,
        "licence, license, users, adjustment, upgrade",
        """\
Licence changes go through Customer Care: open a case with reason "PBX and licences", category
"Licence adjustment", with the PBX serial or address, the licence type and the new quantity.

Added licences are active within one business day and invoiced from activation. Removing licences
takes effect at the next billing period; remove the users first so the PBX stays within the new
count.""",
    ),
    DemoArticle(
        "track-or-change-an-order",
        "Track an order or change it before it ships",
        "Orders",
        CC,
        "orders",
        "",
        "order, tracking, delivery, amend, shipping",
        """\
The order confirmation e-mail carries the tracking link once the goods have left the warehouse.

To change items on an order that has not shipped yet, open a Customer Care case with reason Orders,
category "Change items on an order", the order number and the changes. Once shipped, an order can
no longer be changed: refuse the parcel or arrange a return instead.""",
    ),
    DemoArticle(
        "update-company-contacts-portal-access",
        "Update your company's contacts, address or portal access",
        "Partner portal",
        CC,
        "company-information",
        "",
        "company, address, contact, portal access, users, vat",
        """\
Changes to your company's legal name, address, tax ID or billing contact go through a Customer Care
case with reason "Company information changes"; attach proof for a change of legal name or tax ID.

New colleagues who need access to the partner portal: give their names and e-mail addresses in the
same kind of case, category "Partner portal access". Tell us too when someone leaves, so their
access is removed.""",
    ),
    DemoArticle(
        "how-feature-requests-are-reviewed",
        "How feature requests are reviewed",
        "Product",
        FR,
        "new-feature",
        "",
        "feature request, roadmap, idea, product",
        """\
Feature requests are read by the product team every week.

A good request describes the problem your customers have rather than the solution: who is affected,
how often, and what they do today instead. Say how many customers or users would benefit. We reply
when a request is accepted for the roadmap, declined, or already possible another way; we cannot
promise release dates.""",
    ),
    DemoArticle(
        "escalate-to-customer-success",
        "When and how to escalate a case",
        "Support",
        CS,
        "escalation",
        "",
        "escalation, customer success, priority, stuck case",
        """\
If a case has stalled, or its impact has grown since you opened it, reply on the case first with
the new facts: that alone often changes its priority.

If that does not help, open a Customer Success case with reason "Escalate an existing case", give
the case number and explain the business impact. A Customer Success specialist reviews it and
agrees the next steps with you and the support team.""",
    ),
    DemoArticle(
        "critical-or-standard",
        "Critical or Standard: which class of service applies",
        "Support",
        TS,
        "other-technical",
        "",
        "critical, standard, priority, class of service, response time",
        """\
Ask for Critical only when one of these is true:

- calls drop and the operator is not the cause (check with another operator first);
- the cloud system cannot be reached;
- the customer's business is severely impacted and there is no workaround.

Critical cases get a first answer within 30 minutes during support hours; outside support hours,
call the 24/7 line as well. Everything else is Standard and answered the same working day (the next
one if opened outside support hours). Support staff may change the class of service, and always say
why.""",
    ),
]


@transaction.atomic
def seed_articles() -> int:
    """Create or refresh the demo articles, keyed by slug. Returns how many there are."""
    for spec in ARTICLES:
        Article.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "title": spec.title,
                "body": spec.body,
                "product": spec.product,
                "case_type_code": spec.case_type_code,
                "reason_code": spec.reason_code,
                "device_kind": spec.device_kind,
                "tags": spec.tags,
                "is_published": True,
            },
        )
    return len(ARTICLES)
