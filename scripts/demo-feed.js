'use strict';
// An Airbnb-style iCal feed with dates relative to a day, for the demo and its test.
const fs = require('node:fs');

function day(from, offset) {
  const d = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + offset));
  return d.toISOString().slice(0, 10).replace(/-/g, '');
}

function event(today, uid, start, end, summary, description) {
  const lines = ['BEGIN:VEVENT', `DTSTAMP:${day(today, 0)}T000000Z`, `DTSTART;VALUE=DATE:${start}`, `DTEND;VALUE=DATE:${end}`, `SUMMARY:${summary}`, `UID:${uid}`];
  if (description) lines.push(`DESCRIPTION:${description}`);
  lines.push('END:VEVENT');
  return lines.join('\r\n');
}

function demoFeed(today) {
  const events = [
    event(today, 'demo-ada@airbnb.com', day(today, -1), day(today, 2), 'Reserved', 'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMADA1\\nPhone Number (Last 4 Digits): 4821'),
    event(today, 'demo-grace@airbnb.com', day(today, 2), day(today, 5), 'Reserved', 'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMGRACE\\nPhone Number (Last 4 Digits): 7305'),
    event(today, 'demo-alan@airbnb.com', day(today, 12), day(today, 16), 'Reserved', 'Reservation URL: https://www.airbnb.com/hosting/reservations/details/HMALAN\\nPhone Number (Last 4 Digits): 1954'),
    event(today, 'demo-block@airbnb.com', day(today, 20), day(today, 23), 'Airbnb (Not available)'),
  ];
  return ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Airbnb Inc//Hosting Calendar 0.8.8//EN', 'CALSCALE:GREGORIAN', ...events, 'END:VCALENDAR', ''].join('\r\n');
}

function writeDemoFeed(file, today) {
  fs.writeFileSync(file, demoFeed(today));
}

module.exports = { demoFeed, writeDemoFeed };
