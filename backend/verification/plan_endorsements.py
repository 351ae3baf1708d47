"""The record-wide checks of a plan after the lines: the certificate holder, additional insured
(presence, form, parties) for each kind and line the set demands, primary and non-contributory,
notice of cancellation, and the red flags. The selection of endorsements and the rarer paths
live in endorsements.py.
"""

from __future__ import annotations

from typing import Final, final

from backend.requirements.model import FormEdition, RequirementSet, normalise_carrier_form
from backend.requirements.vocabulary import GENERAL_LIABILITY
from backend.verification.checks import FAIL, PASS, SPECS, UNKNOWN
from backend.verification.endorsements import (
    additional_insured_presence,
    check_box_vs_description,
    check_forms,
    check_notice,
    check_parties,
    check_red_flags,
    check_waiver_box_vs_description,
    direct_only,
    endorsement_outcome,
    form_accepted,
    is_blanket,
    required_parties,
    resolved_form,
)
from backend.verification.entity_keys import entity_key, legal_name_key, same_legal_name
from backend.verification.plan_run import Run, lookup
from backend.verification.record import AI_COMPLETED, AI_ONGOING, PRIMARY_NONCONTRIBUTORY

_COMPLETED_FORM: Final = FormEdition("CG 20 37")


@final
class AdditionalInsuredPlan:
    """One kind of additional insured (ongoing or completed operations) on one line."""

    def __init__(
        self,
        kind: str,
        code: str,
        line: str,
        forms: tuple[FormEdition, ...],
        labels: tuple[str, ...],
        blanket_allowed: bool,
        refused: tuple[FormEdition, ...],
        equivalents: dict[str, FormEdition],
    ) -> None:
        self.kind: Final = kind
        self.line: Final = line
        self.presence: Final = SPECS[code]
        # The accepted forms are ISO CG (general liability) forms; an umbrella or auto policy
        # extends AI status by its own wording, judged by the presence and parties checks.
        self.form: Final = SPECS[f"{code}_FORM"] if forms and line == GENERAL_LIABILITY else None
        self.forms: Final = forms
        self.labels: Final = labels
        self.parties: Final = SPECS[f"{code}_PARTIES"]
        self.blanket_allowed: Final = blanket_allowed
        self.refused: Final = refused
        self.equivalents: Final = equivalents
        # A form granting completed operations by the forms table (CG 20 10 11 85) stands for
        # CG 20 37 wherever the set accepts CG 20 37 in any edition.
        self.completed_stand_in: Final = (
            kind if kind == AI_COMPLETED and any(f == _COMPLETED_FORM for f in forms) else None
        )


@final
class RecordPlan:
    """What a requirement set decided for the checks about the whole record."""

    def __init__(self, requirements: RequirementSet) -> None:
        holder = requirements.certificate_holder_name
        self.holder: Final = SPECS["CERTIFICATE_HOLDER_NAME"]
        self.holder_name: Final = holder
        # The set's own names are folded once, with the plan; the record's on every verification.
        self.holder_key: Final = None if holder is None else entity_key(holder)
        self.holder_legal_key: Final = (
            None if self.holder_key is None else legal_name_key(self.holder_key)
        )
        ai = requirements.additional_insured
        set_parties: dict[str, str] = {}
        for party in ai.parties:
            set_parties.setdefault(entity_key(party), party)
        self.set_parties: Final = set_parties
        kinds = (
            (AI_ONGOING, "AI_ONGOING", ai.ongoing, ai.ongoing_forms, ai.ongoing_form_labels),
            (
                AI_COMPLETED,
                "AI_COMPLETED",
                ai.completed,
                ai.completed_forms,
                ai.completed_form_labels,
            ),
        )
        equivalents = {normalise_carrier_form(carrier): iso for carrier, iso in ai.equivalent_forms}
        self.additional_insured: Final = [
            AdditionalInsuredPlan(
                kind,
                code,
                line,
                forms,
                labels,
                ai.blanket_allowed,
                ai.refused_forms,
                equivalents,
            )
            for kind, code, demanded, forms, labels in kinds
            if demanded
            for line in ai.lines
        ]
        self.box_vs_description: Final = SPECS["AI_BOX_VS_DESCRIPTION"] if ai.required else None
        # The lines the set asks a waiver of subrogation on, whose SUBR WVD box is compared with
        # the description.
        self.waiver_lines: Final = tuple(
            line.line for line in requirements.lines if line.waiver_of_subrogation
        )
        self.waiver_box: Final = SPECS["WOS_BOX_VS_DESCRIPTION"]
        self.on_file: Final = requirements.endorsements_on_file
        self.primary_noncontributory: Final = (
            SPECS["PRIMARY_NONCONTRIBUTORY"] if requirements.primary_noncontributory else None
        )
        self.notice: Final = SPECS["NOTICE_OF_CANCELLATION"]
        self.notice_days: Final = requirements.notice_of_cancellation_days
        self.red_flags: Final = (
            SPECS["RED_FLAG_CONDITIONAL_WORDING"],
            SPECS["RED_FLAG_TO_BE_NAMED"],
        )


def run_holder(plan: RecordPlan, run: Run) -> None:
    """The certificate holder: the set's name when it gives one, else the project's."""
    record = run.record
    found = record.certificate_holder_name
    evidence = lookup(record.evidence, "certificate_holder_name")
    holder = plan.holder_name
    if holder is not None:
        same = found is not None and (
            found == holder
            or entity_key(found) == plan.holder_key
            or legal_name_key(entity_key(found)) == plan.holder_legal_key
        )
        run.checks.append(plan.holder.make(PASS if same else FAIL, None, holder, found, evidence))
        return
    holder = run.context.certificate_holder
    if holder is not None:
        outcome = PASS if same_legal_name(holder, found) else FAIL
        run.checks.append(plan.holder.make(outcome, None, holder, found, evidence))


def run_endorsements(plan: RecordPlan, run: Run) -> None:
    if plan.additional_insured:
        _run_additional_insured(plan, run)
    out = run.checks
    box_spec = plan.box_vs_description
    if box_spec is not None:
        check_box_vs_description(out, box_spec, run.record, run.coverage_day)
    if plan.waiver_lines:
        check_waiver_box_vs_description(
            out, plan.waiver_box, run.record, plan.waiver_lines, run.coverage_day
        )
    record = run.record
    spec = plan.primary_noncontributory
    if spec is not None:
        outcome, found, evidence = endorsement_outcome(
            record, PRIMARY_NONCONTRIBUTORY, GENERAL_LIABILITY, run.coverage_day, plan.on_file
        )
        out.append(spec.make(outcome, GENERAL_LIABILITY, True, found, evidence))
    days = plan.notice_days
    if days is not None:
        check_notice(out, plan.notice, record, days, run.coverage_day, plan.on_file)
    check_red_flags(out, plan.red_flags, record, run.coverage_day)


def _run_additional_insured(plan: RecordPlan, run: Run) -> None:
    out = run.checks
    record = run.record
    parties = required_parties(plan.set_parties, run.context.additional_insured_parties)
    names = tuple(parties.values())
    wanted_keys = parties.keys()
    # When the set names no party the project may name none either, and then there is no check.
    judge_parties = bool(names)
    direct_party: str | None = None  # folded only when a direct-contract form needs it
    for ai in plan.additional_insured:
        line = ai.line
        if line not in run.terms_by_line:
            continue  # without the line, its own *_PRESENT check already fails or is unknown
        judged = additional_insured_presence(
            out,
            record,
            ai.kind,
            ai.presence,
            line,
            run.coverage_day,
            plan.on_file,
            ai.equivalents,
        )
        if judged is None:
            continue
        form_spec = ai.form
        if form_spec is not None:
            if len(judged) == 1:  # one endorsement, the usual case: no loop
                endorsement = judged[0]
                label = endorsement.form_label
                form_number, edition = resolved_form(endorsement, ai.equivalents)
                if form_number is not None and form_accepted(
                    form_number, edition, ai.forms, ai.refused, ai.completed_stand_in
                ):
                    outcome = PASS
                else:
                    outcome = UNKNOWN if label is None else FAIL
                found = None if label is None else (label,)
                out.append(form_spec.make(outcome, line, ai.labels, found, endorsement.evidence))
            else:
                check_forms(
                    out,
                    form_spec,
                    line,
                    ai.forms,
                    ai.refused,
                    ai.completed_stand_in,
                    ai.equivalents,
                    ai.labels,
                    judged,
                )
        if not judge_parties:
            continue
        # The usual case: one endorsement covers every party (each party's search in
        # check_parties would stop at it, or earlier, with a pass).
        covered = False
        for endorsement in judged:
            if wanted_keys <= endorsement.party_keys:
                covered = True
                break
            if (
                ai.blanket_allowed
                and is_blanket(endorsement, ai.equivalents)
                and not direct_only(endorsement, ai.equivalents)
            ):
                covered = True
                break
        if covered:
            out.append(ai.parties.make(PASS, line, names, names, judged[0].evidence))
        else:
            if direct_party is None:
                direct_party = _direct_party(plan, run)
            check_parties(
                out,
                ai.parties,
                line,
                parties,
                judged,
                ai.blanket_allowed,
                record,
                ai.equivalents,
                direct_party,
            )


def _direct_party(plan: RecordPlan, run: Run) -> str:
    """The folded name of the party the sub contracts with directly: the certificate holder
    the set or the project names ("" when neither does)."""
    if plan.holder_key is not None:
        return plan.holder_key
    holder = run.context.certificate_holder
    return "" if holder is None else entity_key(holder)
