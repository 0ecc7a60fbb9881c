//! The words of the HTML reports (and of the gap lines in reminder mails) in en,
//! zh-CN and pt-BR, chosen by the reader's locale or `Accept-Language`
//! ([`Locale::from_accept_language`]), and numbers as people read them. JSON and CSV
//! keep their machine names.

use cxpm_domain::gap::Severity;
use cxpm_domain::values::Locale;

/// Every label a report page prints.
pub struct Labels {
    pub lang: &'static str,
    pub gap_report: &'static str,
    pub progress_report: &'static str,
    pub generated: &'static str,
    pub worst_gaps: &'static str,
    pub worst_gaps_note: &'static str,
    pub trend: &'static str,
    pub trend_note: &'static str,
    pub by_department: &'static str,
    pub by_department_note: &'static str,
    pub all_lines: &'static str,
    pub name: &'static str,
    pub department: &'static str,
    pub period: &'static str,
    pub expected: &'static str,
    pub actual: &'static str,
    pub gap: &'static str,
    pub relative_gap: &'static str,
    pub severity: &'static str,
    pub trend_column: &'static str,
    pub findings: &'static str,
    pub change: &'static str,
    pub changes_since: &'static str,
    pub closed_gaps: &'static str,
    pub nothing_measured: &'static str,
    /// met, minor, major, critical
    pub severities: [&'static str; 4],
    /// new, better, steady, worse
    pub trends: [&'static str; 4],
    /// no open plan, blind spot, stale metric, effect missed
    pub finding_names: [&'static str; 4],
    /// new, worse, better, unchanged, closed
    pub changes: [&'static str; 5],
    pub plan_progress: &'static str,
    pub plan_progress_note: &'static str,
    /// done, open, overdue
    pub action_states: [&'static str; 3],
    pub plans: &'static str,
    pub plan: &'static str,
    pub cycle: &'static str,
    pub step: &'static str,
    pub all_settled: &'static str,
    pub days_since_update: &'static str,
    pub no_plans: &'static str,
    pub coverage: &'static str,
    pub coverage_note: &'static str,
    /// touchpoints without owner, sub-processes without owner, owner rows without a
    /// person, departments without an internal customer
    pub coverage_gaps: [&'static str; 4],
    pub coverage_ready: &'static str,
    pub departments: &'static str,
    pub owned_touchpoints: &'static str,
    pub running_plans: &'static str,
    pub engaged: &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub maturity: &'static str,
    pub maturity_note: &'static str,
    pub phase: &'static str,
    /// I, II, III: which functions each phase engages
    pub phases: [&'static str; 3],
    pub engaged_functions: &'static str,
    pub next_phase_needs: &'static str,
    /// A plan's current step, `{n}` its number: "step 3 of 7".
    pub step_of: &'static str,
    /// Phase I to II: one more function, any of those listed.
    pub next_phase_one_more: &'static str,
    /// Phase I to II with nothing engaged: two functions, among those listed.
    pub next_phase_two_more: &'static str,
    /// Phase II to III: every function listed.
    pub next_phase_all_of: &'static str,
    /// The departments with those functions not yet engaged.
    pub to_engage: &'static str,
    pub top_phase: &'static str,
    /// marketing, sales, service, it, finance, operations, other
    pub functions: [&'static str; 7],
}

pub const EN: Labels = Labels {
    lang: "en",
    gap_report: "Gap report",
    progress_report: "Progress report",
    generated: "Generated",
    worst_gaps: "Worst gaps",
    worst_gaps_note: "Relative gap of the open gaps, worst first by importance.",
    trend: "Trend per point",
    trend_note: "Relative gap per period of the worst points.",
    by_department: "Gaps by department",
    by_department_note: "Sample-weighted mean relative gap of each providing department.",
    all_lines: "All measured points and metrics",
    name: "Point or metric",
    department: "Department",
    period: "Period",
    expected: "Expected / target",
    actual: "Actual",
    gap: "Gap",
    relative_gap: "Relative",
    severity: "Severity",
    trend_column: "Trend",
    findings: "Findings",
    change: "Change",
    changes_since: "Changes since",
    closed_gaps: "Closed gaps",
    nothing_measured: "Nothing measured yet.",
    severities: ["Met", "Minor", "Major", "Critical"],
    trends: ["New", "Better", "Steady", "Worse"],
    finding_names: [
        "No open plan",
        "Blind spot",
        "Stale metric",
        "Effect date passed, gap still open",
    ],
    changes: ["New", "Worse", "Better", "Unchanged", "Closed"],
    plan_progress: "Plan progress by department",
    plan_progress_note: "Actions of each department's plans: done, open and overdue.",
    action_states: ["Done", "Open", "Overdue"],
    plans: "Plans",
    plan: "Plan",
    cycle: "Cycle",
    step: "Step",
    all_settled: "All settled",
    days_since_update: "Days since update",
    no_plans: "No plans yet.",
    coverage: "Ownership coverage",
    coverage_note: "What is still missing before every touchpoint has an owner.",
    coverage_gaps: [
        "Touchpoints without owner",
        "Sub-processes without owner",
        "Owner rows without a person",
        "Departments without an internal customer",
    ],
    coverage_ready: "Every touchpoint has an owner.",
    departments: "Departments",
    owned_touchpoints: "Touchpoints owned",
    running_plans: "Running plans",
    engaged: "Engaged",
    yes: "yes",
    no: "no",
    maturity: "Maturity",
    maturity_note: "Phases of the program by the functions engaged in it.",
    phase: "Phase",
    phases: [
        "One function alone",
        "Several functions together",
        "Marketing, sales, service, IT and finance",
    ],
    engaged_functions: "Engaged functions",
    next_phase_needs: "The next phase still needs",
    step_of: "step {n} of 7",
    next_phase_one_more: "one more function acting with it, any of",
    next_phase_two_more: "two functions acting together, among",
    next_phase_all_of: "every one of",
    to_engage: "Departments to bring in",
    top_phase: "The program has reached the last phase.",
    functions: [
        "Marketing",
        "Sales",
        "Service",
        "IT",
        "Finance",
        "Operations",
        "Other",
    ],
};

pub const ZH_CN: Labels = Labels {
    lang: "zh-CN",
    gap_report: "差距报告",
    progress_report: "进展报告",
    generated: "生成时间",
    worst_gaps: "最大差距",
    worst_gaps_note: "未达标项的相对差距，按重要性从大到小排列。",
    trend: "各要点趋势",
    trend_note: "差距最大的要点各期的相对差距。",
    by_department: "各部门差距",
    by_department_note: "各提供部门按样本量加权的平均相对差距。",
    all_lines: "全部测量要点与指标",
    name: "要点或指标",
    department: "部门",
    period: "周期",
    expected: "期望 / 目标",
    actual: "实际",
    gap: "差距",
    relative_gap: "相对差距",
    severity: "严重程度",
    trend_column: "趋势",
    findings: "发现",
    change: "变化",
    changes_since: "自此快照以来的变化",
    closed_gaps: "已关闭的差距",
    nothing_measured: "尚无测量数据。",
    severities: ["达标", "轻微", "严重", "危急"],
    trends: ["新", "好转", "持平", "恶化"],
    finding_names: [
        "无进行中的计划",
        "认知盲区",
        "指标未按时更新",
        "预期见效日期已过，差距仍在",
    ],
    changes: ["新增", "恶化", "好转", "不变", "已关闭"],
    plan_progress: "各部门计划进展",
    plan_progress_note: "各部门计划中的行动：已完成、进行中、已逾期。",
    action_states: ["已完成", "进行中", "已逾期"],
    plans: "计划",
    plan: "计划",
    cycle: "循环",
    step: "步骤",
    all_settled: "全部完成",
    days_since_update: "距上次更新天数",
    no_plans: "尚无计划。",
    coverage: "负责人覆盖",
    coverage_note: "每个触点都有负责人之前尚缺的项。",
    coverage_gaps: [
        "无负责人的触点",
        "无负责人的子流程",
        "未指定人员的负责部门",
        "无内部客户关系的部门",
    ],
    coverage_ready: "每个触点都有负责人。",
    departments: "部门",
    owned_touchpoints: "负责的触点",
    running_plans: "进行中的计划",
    engaged: "已参与",
    yes: "是",
    no: "否",
    maturity: "成熟度",
    maturity_note: "按参与职能划分的项目阶段。",
    phase: "阶段",
    phases: [
        "单一职能独自推进",
        "多个职能协同",
        "市场、销售、服务、IT与财务",
    ],
    engaged_functions: "已参与的职能",
    next_phase_needs: "进入下一阶段还需要",
    step_of: "第 {n} 步（共 7 步）",
    next_phase_one_more: "再有一个职能协同，可选",
    next_phase_two_more: "两个职能协同，可选",
    next_phase_all_of: "全部参与",
    to_engage: "需要引入的部门",
    top_phase: "项目已处于最高阶段。",
    functions: ["市场", "销售", "服务", "信息技术", "财务", "运营", "其他"],
};

pub const PT_BR: Labels = Labels {
    lang: "pt-BR",
    gap_report: "Relatório de lacunas",
    progress_report: "Relatório de progresso",
    generated: "Gerado em",
    worst_gaps: "Maiores lacunas",
    worst_gaps_note: "Lacuna relativa das lacunas abertas, da pior para a melhor por importância.",
    trend: "Tendência por ponto",
    trend_note: "Lacuna relativa por período dos piores pontos.",
    by_department: "Lacunas por departamento",
    by_department_note: "Lacuna relativa média, ponderada pela amostra, de cada departamento fornecedor.",
    all_lines: "Todos os pontos e métricas medidos",
    name: "Ponto ou métrica",
    department: "Departamento",
    period: "Período",
    expected: "Esperado / meta",
    actual: "Real",
    gap: "Lacuna",
    relative_gap: "Relativa",
    severity: "Gravidade",
    trend_column: "Tendência",
    findings: "Achados",
    change: "Mudança",
    changes_since: "Mudanças desde",
    closed_gaps: "Lacunas fechadas",
    nothing_measured: "Nada medido ainda.",
    severities: ["Atendida", "Leve", "Grave", "Crítica"],
    trends: ["Nova", "Melhor", "Estável", "Pior"],
    finding_names: [
        "Sem plano em andamento",
        "Ponto cego",
        "Métrica desatualizada",
        "Prazo do efeito vencido, lacuna aberta",
    ],
    changes: ["Nova", "Pior", "Melhor", "Inalterada", "Fechada"],
    plan_progress: "Progresso dos planos por departamento",
    plan_progress_note: "Ações dos planos de cada departamento: concluídas, abertas e atrasadas.",
    action_states: ["Concluídas", "Abertas", "Atrasadas"],
    plans: "Planos",
    plan: "Plano",
    cycle: "Ciclo",
    step: "Etapa",
    all_settled: "Todas concluídas",
    days_since_update: "Dias desde a atualização",
    no_plans: "Nenhum plano ainda.",
    coverage: "Cobertura de responsáveis",
    coverage_note: "O que ainda falta para todo ponto de contato ter um responsável.",
    coverage_gaps: [
        "Pontos de contato sem responsável",
        "Subprocessos sem responsável",
        "Responsáveis sem pessoa nomeada",
        "Departamentos sem cliente interno",
    ],
    coverage_ready: "Todo ponto de contato tem um responsável.",
    departments: "Departamentos",
    owned_touchpoints: "Pontos de contato",
    running_plans: "Planos em andamento",
    engaged: "Engajado",
    yes: "sim",
    no: "não",
    maturity: "Maturidade",
    maturity_note: "Fases do programa pelas funções engajadas nele.",
    phase: "Fase",
    phases: [
        "Uma função sozinha",
        "Várias funções juntas",
        "Marketing, vendas, serviço, TI e finanças",
    ],
    engaged_functions: "Funções engajadas",
    next_phase_needs: "A próxima fase ainda precisa de",
    step_of: "passo {n} de 7",
    next_phase_one_more: "mais uma função atuando junto, qualquer uma de",
    next_phase_two_more: "duas funções atuando juntas, entre",
    next_phase_all_of: "todas estas",
    to_engage: "Departamentos a envolver",
    top_phase: "O programa chegou à última fase.",
    functions: [
        "Marketing",
        "Vendas",
        "Serviço",
        "TI",
        "Finanças",
        "Operações",
        "Outra",
    ],
};

pub fn labels(locale: Locale) -> &'static Labels {
    match locale {
        Locale::En => &EN,
        Locale::ZhCn => &ZH_CN,
        Locale::PtBr => &PT_BR,
    }
}

/// A severity in the reader's words.
pub fn severity_label(t: &Labels, s: Severity) -> &'static str {
    t.severities[match s {
        Severity::Met => 0,
        Severity::Minor => 1,
        Severity::Major => 2,
        Severity::Critical => 3,
    }]
}

/// A number as people read it: at most two decimals, no trailing zeros.
pub fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::num;

    #[test]
    fn numbers_read_as_people_write_them() {
        assert_eq!(num(2.0), "2");
        assert_eq!(num(0.08), "0.08");
        assert_eq!(num(9.2), "9.2");
        assert_eq!(num(-0.001), "0");
        assert_eq!(num(1.0 / 3.0), "0.33");
    }
}
