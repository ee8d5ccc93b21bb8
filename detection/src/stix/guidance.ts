/**
 * Guidance for operators in the field, one text per alert category, in plain words. It goes into the alert's
 * `guidance` (shared with every agency that may see the alert), so it never contains positions or names: those
 * travel in properties the policies can remove or coarsen (`x_popart_operator_position`, the alert area).
 */
import type { AlertCategory } from '@popart/schemas';

export const DEFAULT_GUIDANCE: Readonly<Record<AlertCategory, string>> = Object.freeze({
  drone:
    'Do not try to bring the drone down or touch it, and do not let the public near the place it may land or fall. ' +
    'Keep your distance and keep people from gathering under its path. Report to the command post where it is, how high, ' +
    'which way it is going and what it carries. Ground units: look for the pilot, who needs a view of the drone ' +
    '(rooftops, parked vehicles, open ground within about 500 m); ask them to land it and keep the controller until ' +
    'the command post decides.',
  gunshot:
    'Take cover first. Keep the public away from the area and direct people to exits away from it. Report to the ' +
    'command post what you hear and see: number of shots, direction, people running, anyone hurt. Do not approach ' +
    'before armed units confirm. Keep access routes clear for emergency services.',
  explosion:
    'Keep people away from the area and do not let them gather nearby: a second device is possible. Report injuries and ' +
    'damage to the command post, which calls medical help and bomb disposal. Do not touch objects left behind. Keep ' +
    'access routes clear for emergency services.',
  'crowd-density':
    'The crowd in the area is denser than is safe. Stop more people entering it: close or filter the entrances, open ' +
    'other exits, and tell the public over loudspeakers where to go. Watch for people falling or pressed against ' +
    'barriers, and report to the command post.',
  'crowd-dispersal':
    'People are suddenly moving away from one point. Find out why before moving in (a fight, a weapon, an object, ' +
    'someone who fell). Keep escape routes open, guide people calmly away from the point, and report to the command post.',
  loitering:
    'Someone has stayed a long time in a sensitive place. Watch from a distance and check discreetly; do not act on ' +
    'this alert alone. Report what you see to the command post.',
  intrusion:
    'Someone entered a closed area. Go and check, keep sight of the person, and report to the command post. Do not go ' +
    'alone into places you cannot see into.',
  'vehicle-in-pedestrian-zone':
    'A vehicle is moving in a pedestrian area. Warn the people around it and get them out of its way; block its path ' +
    'with barriers or vehicles where that is safe. Do not stand in front of it. Report its plate, colour and direction ' +
    'to the command post.',
  violence:
    'Violent behaviour in the area. Go in numbers, separate the people involved, call medical help if someone is hurt, ' +
    'and report to the command post.',
  other:
    'Check the situation at the position of the alert and report what you find to the command post.',
});

/** Added to drone guidance when the drone broadcasts its operator's position (Remote ID). */
export const OPERATOR_POSITION_GUIDANCE =
  'The drone broadcasts the position of its pilot, given with this alert where your agency may see it; it comes from ' +
  'the drone itself and may be wrong or faked.';

/** Added to the guidance of an alert whose area is the sensor's position, not where the event happened. */
export const SENSOR_AREA_GUIDANCE =
  'The area shown is where the sensor is, not where the event is: search around it.';

/** Added to the guidance of an ended alert. */
export const ENDED_GUIDANCE = 'The sensor no longer detects it: stay alert, and report if you still see it.';
