/**
 * The personal-notes yardstick's vault (issue 15): a small life written by this code — a trip,
 * meetings, people, receipts, e-mails, health, todos, recipes, a journal — with no randomness but a
 * seeded journal filler, so every run indexes the same bytes.
 */
import { seededRandom } from '../corpus.js';

export interface VaultFile {
  /** path inside the vault, also the upload name */
  path: string;
  mimeType: string;
  content: string;
}

const md = (path: string, content: string): VaultFile => ({ path, mimeType: 'text/markdown', content: `${content.trim()}\n` });
const txt = (path: string, content: string): VaultFile => ({ path, mimeType: 'text/plain', content: `${content.trim()}\n` });

function eml(path: string, h: { from: string; subject: string; date: string }, body: string): VaultFile {
  const head = [`From: ${h.from}`, 'To: Alex Byrne <alex.byrne@example.org>', `Subject: ${h.subject}`, `Date: ${h.date}`,
    `Message-ID: <${path.replace(/\W+/g, '.')}@example.org>`, 'MIME-Version: 1.0', 'Content-Type: text/plain; charset=utf-8'];
  return { path, mimeType: 'message/rfc822', content: `${head.join('\r\n')}\r\n\r\n${body.trim().replace(/\n/g, '\r\n')}\r\n` };
}

const LEASE = `
# Tenancy agreement — 14 Harbour View, Dún Laoghaire

Landlord: Fergal Nolan. Tenant: Alex Byrne.

- Term: twelve months, starting 1 March 2026 and ending 28 February 2027.
- Monthly rent: €1,850, due on the first working day of each month by standing order.
- Deposit: €1,850, held with the RTB deposit scheme.
- Notice: the tenant gives 28 days' written notice before leaving at the end of the term.
- Pets: one cat allowed with the landlord's consent.
- The landlord services the gas boiler every year in September.
`;

const LOREM = `
# Lorem ipsum

Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore
magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip ex ea commodo
consequat. Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.
Excepteur sint occaecat cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.
Curabitur pretium tincidunt lacus, nulla gravida orci a odio, nullam varius turpis et commodo pharetra.
`;

/** The hand-written files every question points into. */
function written(): VaultFile[] {
  return [
    md('trips/lisbon-2027.md', `
# Lisbon, 12–16 February 2027

Long weekend in Lisbon with Jamie.

- Flight TP 571, Dublin → Lisbon, Friday 12 February, departs 07:40, lands 10:55. TAP Air Portugal, seats 14A/14B.
- Return TP 1312 on Tuesday 16 February at 18:05.
- Hotel: Memmo Alfama, Travessa das Merceeiras 27. Four nights, breakfast included.
- Day trip to Sintra on Sunday: train from Rossio, buy tickets for Pena Palace online.
- Lisboa Card for tram 28 and the museums.
`),
    eml('mail/tap-booking-confirmation.eml', { from: 'TAP Air Portugal <noreply@flytap.com>', subject: 'Your booking confirmation LX7Q2K', date: 'Mon, 19 Oct 2026 21:14:03 +0000' }, `
Dear Alex Byrne,

Thank you for booking with TAP Air Portugal. Booking reference: LX7Q2K.

Outbound: TP 571 DUB-LIS, 12 Feb 2027, 07:40-10:55, Economy Classic, 2 passengers.
Inbound: TP 1312 LIS-DUB, 16 Feb 2027, 18:05-20:35.
Checked baggage: 1 x 23 kg per passenger.

Online check-in opens 36 hours before departure.
`),
    eml('mail/memmo-alfama-reservation.eml', { from: 'Memmo Alfama <reservations@memmohotels.com>', subject: 'Reservation confirmed #88213', date: 'Tue, 20 Oct 2026 09:02:41 +0000' }, `
Dear Mr Byrne,

We are pleased to confirm your reservation number 88213 at Memmo Alfama.
Arrival: 12 February 2027. Departure: 16 February 2027. Room: Deluxe with river view, breakfast included.
Total for four nights: EUR 1,096.00, payable at the hotel. Free cancellation until 5 February.
`),
    md('trips/lisbon-packing-list.md', `
# Packing list for Lisbon

- passport and the printed boarding passes
- comfortable walking shoes (the hills!), light rain jacket
- EU plug adapter is not needed; phone charger, power bank
- sunglasses, a small day backpack for Sintra
`),
    md('trips/lisbon-restaurants.md', `
# Where to eat in Lisbon

Recommendations from Marco:
- Manteigaria for pastéis de nata, Rua do Loreto.
- Cervejaria Ramiro for seafood (book ahead; not for Sarah Chen — shellfish).
- Time Out Market for a quick lunch.
- A Cevicheria in Príncipe Real.
`),
    md('meetings/2026-10-02-data-platform-sync.md', `
# Data platform sync — 2 October 2026

Attendees: Alex, Priya, Marco, Dmitri.

## Decisions
- We adopt CDC with Debezium for the orders database instead of the nightly batch export.
- CDC events go to Kafka topics per table; the warehouse consumes them with a 5-minute micro-batch.

## Actions
- Priya: spike Debezium against a staging replica.
`),
    md('meetings/2026-10-16-architecture-review.md', `
# Architecture review — 16 October 2026

We reviewed the proposal to stream database changes. Decision: roll out change data capture to the billing
database in Q1 2027, after the orders pilot; keep Kafka retention at 7 days and replay from snapshots beyond that.
Rejected: dual writes from the application (too easy to get inconsistent).
`),
    md('meetings/2026-11-05-cdc-follow-up.md', `
# CDC follow-up — 5 November 2026

- Orders pilot has been live for two weeks; lag p95 under 4 seconds.
- Agreed: alert when CDC lag exceeds 30 seconds for 5 minutes, page on-call after 10 minutes.
- Schema changes must go through the registry first.
`),
    md('meetings/2026-09-21-hiring-sync.md', `
# Hiring sync — 21 September 2026

Decided to open two backend engineer roles for the platform team and one SRE role in January.
Offer to Priya Raman approved at the top of band. Interview loop: take-home, system design, values chat.
`),
    md('meetings/2026-11-12-budget-review.md', `
# Budget review — 12 November 2026

Cloud spend is up 22% year on year. Decided: cut cloud costs 15% by moving steady workloads to reserved instances
and switching off idle staging clusters at night. Travel budget frozen until March.
`),
    md('meetings/2026-12-01-offsite-planning.md', `
# Offsite planning — 1 December 2026

The team offsite will be in Porto, 22–24 April 2027. Venue: a converted warehouse near Ribeira.
Agenda: roadmap, incident review, one free afternoon. Budget per person €600.
`),
    md('meetings/1-1-marco.md', `
# 1:1 with Marco

- 3 Nov 2026: Marco wants to move towards a staff engineer role within a year; interested in leading the
  streaming work. Asked for more mentoring opportunities and a conference talk.
- 17 Nov 2026: agreed he presents the CDC pilot at the engineering all-hands.
`),
    md('people/sarah-chen.md', `
# Sarah Chen

Colleague from Northwind, now a close friend. Partner: Tom. Lives in Ranelagh.

- Birthday: 3 April.
- Allergies: peanuts and shellfish — serious, she carries an EpiPen. Check every menu.
- Likes oolong tea, bouldering and Studio Ghibli films.
`),
    md('people/sarah-miller-neighbour.md', `
# Sarah Miller (neighbour, no. 16)

Has our spare key. Waters the plants and feeds the cat when we travel; leave the food in the hall cupboard.
Phone in contacts. Her kids are Ben and Lily.
`),
    md('people/mum.md', `
# Mum

Birthday 19 January. Wants: a good pair of gardening gloves, the new Anne Enright novel.
Prefers a call on Sunday evenings.
`),
    md('notes/dinner-party-2026-11-28.md', `
# Dinner party, Saturday 28 November

Guests: Sarah Chen and Tom, Marco, Priya.
Menu: roast squash soup, lamb tagine, lemon tart. No peanuts or shellfish anywhere (Sarah).
Buy: wine, flatbreads, mint.
`),
    md('health/dentist.md', `
# Dentist

Dr. Almeida, Smile Dental, Baggot Street.
Next appointment: Tuesday 15 December 2026 at 08:30 — check-up, cleaning, and look at the old filling in the lower left molar.
Last visit: June 2026.
`),
    eml('mail/dentist-reminder.eml', { from: 'Smile Dental <appointments@smiledental.ie>', subject: 'Appointment reminder', date: 'Tue, 08 Dec 2026 10:00:00 +0000' }, `
Hello Alex,

This is a reminder of your appointment with Dr. Almeida on Tuesday 15 December at 08:30.
Please arrive ten minutes early. To reschedule call us at least 24 hours before.
`),
    md('health/allergies.md', `
# My allergies

Allergy test, April 2025: hay fever — birch and grass pollen. No food allergies.
Cetirizine from March to June helps.
`),
    md('health/medication.md', `
# Medication

- Cetirizine 10 mg once a day during pollen season.
- Ibuprofen 400 mg as needed for the knee after long runs.
`),
    md('health/vaccinations.md', `
# Vaccinations

- Tetanus booster: May 2024.
- Flu shot: 14 October 2026 at the pharmacy.
- Hepatitis A: 2019 (before the Vietnam trip).
`),
    md('health/running-log.md', `
# Running log

- 5k personal best: 23:41 at the Phoenix Park parkrun, 7 November 2026.
- Training for the Dublin half marathon in May 2027; long run on Sundays.
`),
    txt('receipts/2026-11-03-fresh-market.txt', `
FRESH MARKET  Rathmines
03/11/2026 18:22
Free range eggs x12        4.29
Sourdough loaf             4.50
Chicken thighs 1kg         9.80
Olive oil 750ml           11.99
Vegetables                18.41
Coffee beans               8.99
Wine                       6.39
TOTAL EUR                 64.37
Card ****4412
`),
    txt('receipts/2026-11-10-brennans-hardware.txt', `
BRENNAN'S HARDWARE
10 Nov 2026
Drill bits set             14.95
Wall plugs                  3.20
Smoke alarm battery 9V      5.75
Exterior paint 2.5L        15.00
TOTAL                      38.90  (paid card)
`),
    txt('receipts/2026-10-28-boots-pharmacy.txt', `
Boots Pharmacy Grafton St
28-10-2026
Cetirizine 10mg x30        7.99
Plasters                   4.50
Total                     12.49
`),
    txt('receipts/2026-11-21-roasted-brown.txt', `
Roasted Brown — coffee roasters
21 Nov 2026
Ethiopia Yirgacheffe 250g  13.00
Flat white                  3.80
Total                      16.80
`),
    eml('mail/hodges-figgis-order.eml', { from: 'Hodges Figgis <orders@hodgesfiggis.ie>', subject: 'Your order 40021 has shipped', date: 'Sat, 14 Nov 2026 12:30:00 +0000' }, `
Thank you for shopping with Hodges Figgis.

Order 40021
- Klara and the Sun, Kazuo Ishiguro   €12.99
- The Wren, the Wren, Anne Enright     €16.99
- Designing Data-Intensive Applications €17.87
Total paid: €47.85
`),
    eml('mail/cycle-republic-service.eml', { from: 'Cycle Republic <service@cyclerepublic.ie>', subject: 'Your bike is ready', date: 'Thu, 19 Nov 2026 16:45:00 +0000' }, `
Hi Alex, your bike service is complete.
Full service, new chain and brake pads. Amount charged: €120.00.
Collect any time before 6pm.
`),
    eml('mail/energia-bill-october.eml', { from: 'Energia <billing@energia.ie>', subject: 'Your electricity bill for October', date: 'Fri, 20 Nov 2026 07:00:00 +0000' }, `
Your electricity bill for 1–31 October 2026 is ready.
Amount due: €142.16, collected by direct debit on 4 December.
Usage: 512 kWh day, 188 kWh night.
`),
    eml('mail/newsletter-running.eml', { from: 'Runner\'s Weekly <news@runnersweekly.example>', subject: 'Ten tips for your first half marathon', date: 'Mon, 23 Nov 2026 06:00:00 +0000' }, `
This week: how to taper, what to eat the night before, and why you should not try new shoes on race day.
`),
    eml('mail/allianz-renewal.eml', { from: 'Allianz <motor@allianz.ie>', subject: 'Your motor insurance renewal', date: 'Mon, 30 Nov 2026 08:00:00 +0000' }, `
Your car insurance policy MTR-558201 renews on 1 February 2027. Renewal premium: €612.40.
No claims bonus: 6 years.
`),
    md('notes/car.md', `
# Car — 2019 Toyota Corolla, 191-D-12345

- NCT test due by 30 January 2027; book at the Deansgrange centre.
- Insurance with Allianz renews 1 February.
- Tyres changed September 2026 (front pair).
`),
    md('todo/this-week.md', `
# This week

- [ ] call the plumber about the leaking kitchen tap
- [ ] book the NCT test for the car
- [ ] buy a birthday present for Mum (gardening gloves?)
- [x] pay the electricity bill
- [ ] check in for nothing yet — Lisbon is in February
`),
    md('todo/house-jobs.md', `
# House jobs

- fix the gutter over the back door
- paint the garden fence (exterior paint bought at Brennan's)
- replace the smoke alarm battery
- bleed the radiators before winter
`),
    md('recipes/shakshuka.md', `
# Shakshuka

Serves 2. Soften an onion and a red pepper in olive oil, add two cloves of garlic, a teaspoon of cumin and of
smoked paprika, then a tin of chopped tomatoes. Simmer 10 minutes, make four wells, crack in four eggs, cover
and cook 6–8 minutes. Finish with feta and coriander.
`),
    md('recipes/banana-bread.md', `
# Banana bread

3 ripe bananas, 250 g plain flour, 1 tsp baking soda, 100 g melted butter, 150 g brown sugar, 1 egg, vanilla.
Bake at 175 °C for 60 minutes in a loaf tin.
`),
    md('notes/books-to-read.md', `
# Books to read

- The Wren, the Wren — Anne Enright (bought)
- Tomorrow, and Tomorrow, and Tomorrow — Gabrielle Zevin
- The Ministry for the Future — Kim Stanley Robinson
`),
    md('notes/plants.md', `
# Plants

Monstera and the fig: water every 10 days. Herbs on the windowsill: every other day in summer.
When away, Sarah Miller next door waters them.
`),
    md('notes/wifi.md', `
# Home network

Wi-Fi network name: Lighthouse-5G. Router in the hall cupboard; restart it if the TV drops.
Broadband with Eir, 500 Mb fibre, contract ends August 2027.
`),
    md('journal/2026-11-14.md', `
# Saturday 14 November 2026

Went to the Vermeer exhibition at the National Gallery with Marco. Lunch after at the Fumbally.
`),
    md('journal/2026-11-22.md', `
# Sunday 22 November 2026

Plumber came about the kitchen tap: needs a new cartridge, he comes back Thursday. Quoted €90.
`),
    // the same tenancy agreement kept three times (dedup): downloads, a mail attachment export, a backup
    md('documents/lease-2026.md', LEASE),
    md('mail/attachments/lease-2026 (1).md', LEASE),
    md('backup/2026-06/lease-2026.md', LEASE),
    md('notes/lorem-ipsum.md', LOREM),
  ];
}

const ACTIVITIES = ['a walk along the pier', 'a quiet day at home', 'groceries and laundry', 'a long run in the park',
  'coffee with Priya', 'a film night', 'tidying the garden', 'a swim at the forty foot', 'reading by the fire',
  'cooking a big pot of soup', 'a video call with Mum', 'a bike ride to Bray'];
const WEATHER = ['grey and mild', 'windy', 'bright and cold', 'rain all day', 'foggy in the morning', 'sunny spells'];

/** Everyday journal entries with nothing the questions ask for: the vault's own distractors. */
function journalFiller(count: number): VaultFile[] {
  const rnd = seededRandom(15);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)] as T;
  return Array.from({ length: count }, (_, i) => {
    const day = new Date(Date.UTC(2026, 8, 1 + i * 3));
    const iso = day.toISOString().slice(0, 10);
    return md(`journal/${iso}.md`, `
# ${iso}

Weather ${pick(WEATHER)}. Morning: ${pick(ACTIVITIES)}. Afternoon: ${pick(ACTIVITIES)}.
Work was ${pick(['busy', 'calm', 'full of meetings', 'mostly code review', 'interrupted by an incident'])}. Slept ${6 + Math.floor(rnd() * 3)} hours.
`);
  });
}

/** The whole generated vault: the written files plus 30 journal days. */
export function personalVault(): VaultFile[] {
  const files = [...written(), ...journalFiller(30)];
  const paths = new Set(files.map((f) => f.path));
  if (paths.size !== files.length) throw new Error('notes vault: duplicate paths');
  return files;
}
