/**
 * The personal-notes yardstick's questions (issue 15): plain questions a person asks of their own
 * vault, with paraphrases and abbreviations, each answered by one or more files of vault.ts. A hit
 * is any expected file among the first k distinct files.
 */
export interface NotesQuestion {
  id: string;
  kind: 'trip' | 'meeting' | 'person' | 'receipt' | 'health' | 'home' | 'dedup' | 'paraphrase';
  question: string;
  expected: string[];
}

const TRIP = ['trips/lisbon-2027.md', 'mail/tap-booking-confirmation.eml'];
const HOTEL = ['trips/lisbon-2027.md', 'mail/memmo-alfama-reservation.eml'];
const CDC = ['meetings/2026-10-02-data-platform-sync.md', 'meetings/2026-10-16-architecture-review.md', 'meetings/2026-11-05-cdc-follow-up.md'];
const SARAH = ['people/sarah-chen.md'];
const DENTIST = ['health/dentist.md', 'mail/dentist-reminder.eml'];
const LEASE = ['documents/lease-2026.md', 'mail/attachments/lease-2026 (1).md', 'backup/2026-06/lease-2026.md'];

const q = (id: string, kind: NotesQuestion['kind'], question: string, expected: string[]): NotesQuestion => ({ id, kind, question, expected });

export const NOTES_QUESTIONS: NotesQuestion[] = [
  q('flight', 'trip', 'what flight am I taking', TRIP),
  q('flight-number', 'trip', 'what is my flight number to Lisbon', TRIP),
  q('flight-when', 'trip', 'when do I fly to Lisbon', TRIP),
  q('flight-tap', 'trip', 'TAP booking reference', ['mail/tap-booking-confirmation.eml']),
  q('flight-return', 'trip', 'what time is the return flight from Lisbon', TRIP),
  q('hotel', 'trip', 'which hotel am I staying at in Lisbon', HOTEL),
  q('hotel-cost', 'trip', 'how much does the hotel cost for the trip', ['mail/memmo-alfama-reservation.eml']),
  q('eat', 'trip', 'where should we eat in Lisbon', ['trips/lisbon-restaurants.md']),
  q('pastries', 'trip', 'best place for pastel de nata', ['trips/lisbon-restaurants.md']),
  q('pack', 'trip', 'what do I need to pack for the trip', ['trips/lisbon-packing-list.md']),
  q('sintra', 'trip', 'how do we get to Sintra', ['trips/lisbon-2027.md']),
  q('cdc-decide', 'meeting', 'what did we decide about change data capture', CDC),
  q('cdc-abbrev', 'meeting', 'what did we decide about CDC', CDC),
  q('cdc-billing', 'meeting', 'when does the billing database get change data capture', ['meetings/2026-10-16-architecture-review.md']),
  q('cdc-tool', 'meeting', 'which tool do we use for change data capture on the orders database', ['meetings/2026-10-02-data-platform-sync.md']),
  q('cdc-alert', 'meeting', 'when do we alert on replication lag', ['meetings/2026-11-05-cdc-follow-up.md']),
  q('dual-writes', 'meeting', 'why did we reject dual writes', ['meetings/2026-10-16-architecture-review.md']),
  q('hiring', 'meeting', 'what did we decide about hiring', ['meetings/2026-09-21-hiring-sync.md']),
  q('cloud', 'meeting', 'how are we cutting cloud costs', ['meetings/2026-11-12-budget-review.md']),
  q('offsite', 'meeting', 'where is the team offsite', ['meetings/2026-12-01-offsite-planning.md']),
  q('marco-career', 'meeting', 'what does Marco want for his career', ['meetings/1-1-marco.md']),
  q('sarah-allergy', 'person', 'what is Sarah allergic to', SARAH),
  q('sarah-allergy-2', 'person', 'does Sarah Chen have any food allergies', SARAH),
  q('sarah-birthday', 'person', "when is Sarah Chen's birthday", SARAH),
  q('sarah-tea', 'person', 'what tea does Sarah like', SARAH),
  q('key', 'person', 'who has our spare key', ['people/sarah-miller-neighbour.md']),
  q('plants', 'person', 'who waters the plants when we are away', ['people/sarah-miller-neighbour.md', 'notes/plants.md']),
  q('mum-gift', 'person', 'what should I get Mum for her birthday', ['people/mum.md', 'todo/this-week.md']),
  q('dinner-menu', 'person', 'what was on the menu for the dinner party', ['notes/dinner-party-2026-11-28.md']),
  q('exhibition', 'person', 'which exhibition did I see with Marco', ['journal/2026-11-14.md']),
  q('fresh-market', 'receipt', 'how much did I spend at Fresh Market', ['receipts/2026-11-03-fresh-market.txt']),
  q('groceries', 'receipt', 'grocery receipt total in November', ['receipts/2026-11-03-fresh-market.txt']),
  q('hardware', 'receipt', "how much did I pay at Brennan's hardware", ['receipts/2026-11-10-brennans-hardware.txt']),
  q('bike', 'receipt', 'how much did the bike service cost', ['mail/cycle-republic-service.eml']),
  q('books', 'receipt', 'how much did I spend on books at Hodges Figgis', ['mail/hodges-figgis-order.eml']),
  q('electricity', 'receipt', 'how much was the electricity bill', ['mail/energia-bill-october.eml']),
  q('pharmacy', 'receipt', 'what did I buy at the pharmacy', ['receipts/2026-10-28-boots-pharmacy.txt']),
  q('coffee', 'receipt', 'where did I buy coffee beans', ['receipts/2026-11-21-roasted-brown.txt', 'receipts/2026-11-03-fresh-market.txt']),
  q('insurance', 'receipt', 'when does the car insurance renew', ['mail/allianz-renewal.eml', 'notes/car.md']),
  q('dentist', 'health', 'when is the dentist', DENTIST),
  q('dentist-2', 'health', 'what time is my teeth cleaning appointment', DENTIST),
  q('my-allergy', 'health', 'what am I allergic to', ['health/allergies.md']),
  q('hay-fever', 'health', 'which tablets do I take for hay fever', ['health/medication.md', 'health/allergies.md']),
  q('flu-shot', 'health', 'when did I get the flu shot', ['health/vaccinations.md']),
  q('5k', 'health', 'what is my 5k personal best', ['health/running-log.md']),
  q('todo', 'home', 'what is on my todo list this week', ['todo/this-week.md']),
  q('plumber', 'home', 'what did the plumber say about the kitchen tap', ['journal/2026-11-22.md', 'todo/this-week.md']),
  q('house-jobs', 'home', 'what jobs need doing around the house', ['todo/house-jobs.md']),
  q('shakshuka', 'home', 'how do I make shakshuka', ['recipes/shakshuka.md']),
  q('banana-bread', 'home', 'how much flour goes in the banana bread', ['recipes/banana-bread.md']),
  q('nct', 'home', 'when is the NCT due', ['notes/car.md']),
  q('wifi', 'home', 'what is the wifi network called', ['notes/wifi.md']),
  q('reading', 'home', 'which books do I want to read', ['notes/books-to-read.md']),
  q('lease-end', 'dedup', 'when does my lease end', LEASE),
  q('rent', 'dedup', 'how much is the rent', LEASE),
  q('deposit', 'dedup', 'where is the tenancy deposit held', LEASE),
  // Paraphrases that share few words with the note that answers them.
  q('portugal', 'paraphrase', 'when am I going to Portugal', TRIP),
  q('plane-leaves', 'paraphrase', 'what time does my plane leave on Friday', TRIP),
  q('sarah-eat', 'paraphrase', "what can't Sarah eat", [...SARAH, 'notes/dinner-party-2026-11-28.md']),
  q('nut-allergy', 'paraphrase', 'who has a nut allergy', [...SARAH, 'notes/dinner-party-2026-11-28.md']),
  q('streaming', 'paraphrase', 'what did we agree about streaming database changes into Kafka', CDC),
  q('debezium', 'paraphrase', 'Debezium decision', ['meetings/2026-10-02-data-platform-sync.md']),
  q('food-shop', 'paraphrase', 'how much was the big food shop', ['receipts/2026-11-03-fresh-market.txt']),
  q('landlord', 'paraphrase', 'how much do I pay the landlord each month', LEASE),
  q('move-out', 'paraphrase', 'how much notice do I give before moving out', LEASE),
  q('teeth', 'paraphrase', 'when are my teeth getting checked', DENTIST),
  q('porto', 'paraphrase', 'when is the work trip to Porto', ['meetings/2026-12-01-offsite-planning.md']),
  q('bike-repair', 'paraphrase', 'what did the bike repair cost', ['mail/cycle-republic-service.eml']),
];
