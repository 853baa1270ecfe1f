/**
 * Which of an ACME issuer's `solvers` solves a given name, with cert-manager's precedence.
 *
 * @packageDocumentation
 */
import type { ACMEChallengeSolver, CertificateDNSNameSelector } from './types.js';

/** What a solver is chosen for: one authorization of an Order. */
export interface SolverTarget {
  /**
   * The name as it appears in the certificate: `*.example.com` for a wildcard (cert-manager
   * matches selectors against this form). When `wildcard` is true and the name lacks the
   * `*.` prefix, it is added.
   */
  dnsName: string;
  /** Whether the authorization is for a wildcard name. */
  wildcard: boolean;
  /** The Order's labels, matched against `selector.matchLabels`. */
  labels: Readonly<Record<string, string>>;
}

/** The chosen solver. */
export interface SelectedSolver {
  /** The solver entry. */
  solver: ACMEChallengeSolver;
  /** Its index in the issuer's `solvers`. */
  index: number;
  /** The challenge type it solves. */
  type: 'HTTP-01' | 'DNS-01';
}

interface SelectorMatch {
  labels: number;
  dnsNames: number;
  dnsZones: number;
}

const NO_SELECTOR: SelectorMatch = { labels: 0, dnsNames: 0, dnsZones: 0 };

function labelCount(name: string): number {
  const trimmed = name.replace(/\.$/, '');
  return trimmed === '' ? 0 : trimmed.split('.').length;
}

/** How many labels `zone` and `name` share from the right, ignoring case (as miekg/dns does). */
function commonSuffixLabels(zone: string, name: string): number {
  const a = zone.toLowerCase().replace(/\.$/, '').split('.').reverse();
  const b = name.toLowerCase().replace(/\.$/, '').split('.').reverse();
  let n = 0;
  while (n < a.length && n < b.length && a[n] !== '' && a[n] === b[n]) n++;
  return n;
}

/** The number of matches of each selector part, or `undefined` when the selector rejects. */
function matchSelector(
  selector: CertificateDNSNameSelector,
  dnsName: string,
  labels: Readonly<Record<string, string>>,
): SelectorMatch | undefined {
  const required = Object.entries(selector.matchLabels ?? {});
  if (required.some(([key, value]) => !Object.hasOwn(labels, key) || labels[key] !== value)) {
    return undefined;
  }
  const names = selector.dnsNames ?? [];
  // An exact name match counts once however many entries match, as in cert-manager; case is
  // ignored because DNS ignores it (cert-manager compares bytes).
  const wanted = dnsName.toLowerCase();
  const dnsNames = names.some((name) => name.toLowerCase() === wanted) ? 1 : 0;
  if (names.length > 0 && dnsNames === 0) return undefined;
  const zones = selector.dnsZones ?? [];
  let dnsZones = 0;
  for (const zone of zones) {
    const shared = commonSuffixLabels(zone, dnsName);
    if (shared === labelCount(zone) && shared > dnsZones) dnsZones = shared;
  }
  if (zones.length > 0 && dnsZones === 0) return undefined;
  return { labels: required.length, dnsNames, dnsZones };
}

/** Whether `candidate` is more specific than `current`: dnsNames, then dnsZones, then labels. */
function moreSpecific(candidate: SelectorMatch, current: SelectorMatch): boolean {
  if (candidate.dnsNames !== current.dnsNames) return candidate.dnsNames > current.dnsNames;
  if (candidate.dnsZones !== current.dnsZones) return candidate.dnsZones > current.dnsZones;
  return candidate.labels > current.labels;
}

function challengeType(
  solver: ACMEChallengeSolver,
  wildcard: boolean,
): SelectedSolver['type'] | undefined {
  // ACME servers offer no HTTP-01 challenge for a wildcard name (RFC 8555 section 8.3).
  if (solver.http01 !== undefined && solver.http01 !== null && !wildcard) return 'HTTP-01';
  if (solver.dns01 !== undefined && solver.dns01 !== null) return 'DNS-01';
  return undefined;
}

/**
 * Picks the solver for one name from an issuer's `solvers`, as cert-manager's solver picker does.
 *
 * @remarks
 * A solver whose selector does not match (every `matchLabels` entry must be among the Order's
 * labels, the name must be in `dnsNames` when given, and within one of `dnsZones` when given)
 * is skipped, as is one that cannot solve the name (a wildcard name cannot use HTTP-01).
 * Among the rest the most specific wins: an exact `dnsNames` match beats a `dnsZones` match,
 * a longer (more labels) matching zone beats a shorter one, and more matching labels beat
 * fewer. A solver without a selector (or with an empty one) matches everything with the least
 * specificity. On a tie the earlier solver is kept.
 *
 * @returns The solver, its index and challenge type, or `undefined` when none fits.
 *
 * @example
 * ```ts
 * const picked = selectSolver(issuer.spec.acme.solvers ?? [], {
 *   dnsName: '*.example.com',
 *   wildcard: true,
 *   labels: order.metadata.labels ?? {},
 * });
 * ```
 */
export function selectSolver(
  solvers: readonly ACMEChallengeSolver[],
  target: SolverTarget,
): SelectedSolver | undefined {
  const dnsName =
    target.wildcard && !target.dnsName.startsWith('*.') ? `*.${target.dnsName}` : target.dnsName;
  let selected: (SelectedSolver & { match: SelectorMatch }) | undefined;
  solvers.forEach((solver, index) => {
    const type = challengeType(solver, target.wildcard);
    if (type === undefined) return;
    // No selector matches everything with no specificity, so it only catches what nothing
    // before it matched and loses to any later selector that matches on something.
    const match =
      solver.selector === undefined || solver.selector === null
        ? NO_SELECTOR
        : matchSelector(solver.selector, dnsName, target.labels);
    if (match === undefined) return;
    if (selected === undefined || moreSpecific(match, selected.match)) {
      selected = { solver, index, type, match };
    }
  });
  if (selected === undefined) return undefined;
  return { solver: selected.solver, index: selected.index, type: selected.type };
}
