## As palavras das páginas e dos e-mails do cxpm, em português do Brasil. Toda chave
## daqui existe em todos os outros idiomas (um teste falha se faltar).

app-name = cxpm
skip-to-content = Pular para o conteúdo
nav-my-work = Meu trabalho
nav-my-department = Meu departamento
nav-profile = Meu perfil
nav-sign-out = Sair
nav-label = Principal

## Sign in
sign-in-title = Entrar
sign-in-intro = Informe seu e-mail de trabalho. Enviamos um link que faz você entrar; ele funciona uma vez, por 15 minutos.
sign-in-email = E-mail de trabalho
sign-in-send = Enviar link de acesso
sign-in-sent-title = Confira seu e-mail
sign-in-sent = Se { $email } pertence a alguém no cxpm, um link de acesso está a caminho. Ele funciona uma vez, por 15 minutos.
sign-in-again = Pedir outro link
sign-in-link-title = Entrar no cxpm
sign-in-link-intro = Você abriu um link de acesso. Continue para entrar neste dispositivo.
sign-in-continue = Continuar
sign-in-link-unusable = Este link de acesso expirou ou já foi usado. Peça um novo abaixo.
sign-in-too-many = Muitos pedidos de acesso da sua rede. Tente de novo em alguns minutos.
signed-out = Você saiu.
signed-out-title = Sessão encerrada
oidc-sign-in-with = Entrar com { $name }
oidc-sign-in-company = Entrar com a conta da empresa
sign-in-or-link = Sem conta da empresa? Peça um link de acesso por e-mail.
sign-in-oidc-only = No cxpm, as pessoas entram com a conta da empresa.
sign-in-links-off = Links de acesso por e-mail estão desativados aqui: entre com a conta da empresa.
oidc-refused-title = Não foi possível entrar
oidc-try-again = Voltar ao acesso
oidc-unreachable = O acesso da sua empresa não responde agora. Tente de novo em alguns minutos; se continuar, avise a TI.
oidc-unusable = Esta resposta de acesso não é deste navegador, já foi usada ou chegou depois de dez minutos. Comece de novo pela página de acesso.
oidc-provider-said-no = O acesso da sua empresa não concluiu a entrada (foi cancelado ou recusado lá). Você pode começar de novo.
oidc-unknown-person = Você entrou como { $email }, mas ninguém no cxpm tem esse endereço. Peça ao coordenador de CX ou a um administrador para incluir você: as pessoas são cadastradas no cxpm, não criadas no acesso.
oidc-deactivated = A conta do cxpm de { $email } está desativada. Peça a um administrador para reativá-la se você deve ter acesso.
oidc-unverified-email = O acesso da sua empresa não garante o endereço { $email } (ele não está verificado lá). Verifique-o com a TI ou peça que configurem o cxpm com outra declaração.
oidc-no-email = O acesso da sua empresa não enviou um e-mail que o cxpm possa reconhecer. Peça à TI para liberar a declaração de e-mail ao cxpm.
oidc-refused-token = A resposta do acesso da sua empresa não passou nas verificações do cxpm e não foi aceita. Comece de novo; se acontecer outra vez, avise a TI (a tentativa fica registrada).
oidc-provider-failed = O acesso da sua empresa não concluiu a entrada no cxpm. Comece de novo; se acontecer outra vez, avise a TI.
oidc-signing-out-there = Você saiu do cxpm. Agora saindo também da conta da empresa…
oidc-sign-out-there = Continuar
mail-sign-in-subject = Seu link de acesso ao cxpm
mail-sign-in-greeting = Olá, { $name },
mail-sign-in-body = Abra este link para entrar no cxpm. Ele funciona uma vez, em até 15 minutos:
mail-sign-in-ignore = Se você não pediu para entrar, ignore este e-mail: nada acontece sem o link.

## My work
my-work-title = Meu trabalho
my-work-overdue = Atrasadas
my-work-this-week = Vencem nesta semana
my-work-later = Depois
my-work-undated = Sem prazo
my-work-empty = Nada esperando por você. Novas ações atribuídas a você aparecem aqui.
my-work-plans = Meus planos
my-work-no-plans = Você não é responsável por nenhum plano.
due-on = Vence em { $date }
no-due-date = Sem prazo
overdue-badge = Atrasada
progress-label = Progresso
percent = { $n } %

## An action and its updates
action-status = Situação
action-plan = Plano
action-owner = Responsável
action-department = Departamento
action-description = Descrição
action-effect = Efeito pretendido
action-effect-on-point = Levar o ponto-chave “{ $name }” a { $target } até { $date }
action-effect-on-metric = Levar a métrica “{ $name }” a { $target } até { $date }
action-effect-reached = Alcançado
action-effect-not-reached = Ainda não alcançado
action-effect-missed = Não alcançado: a data passou sem a lacuna fechar
action-no-effect = Nenhum efeito pretendido registrado.
updates-title = Atualizações
updates-empty = Nenhuma atualização ainda.
update-post = Publicar atualização
update-progress = Progresso (0–100 %)
update-status = Situação
update-status-keep = Manter “{ $status }”
update-blocked-reason = Por que está bloqueada
update-comment = Comentário
update-posted = Atualização publicada.
update-by = { $name }, { $when }
status-open = Aberta
status-in_progress = Em andamento
status-blocked = Bloqueada
status-done = Concluída
status-cancelled = Cancelada

## Plans and steps
plan-title = Plano: { $title }
plan-cycle = Ciclo { $n }
plan-department = Departamento
plan-owner = Responsável
plan-steps = Os sete passos
plan-current-step = Passo atual
step-1 = Comprometer-se com o programa
step-2 = Identificar os clientes internos
step-3 = Conhecer o que esperam
step-4 = Escolher os pontos-chave
step-5 = Analisar a lacuna
step-6 = Planejar a melhoria
step-7 = Fechar o ciclo de feedback
step-status-not_started = Não iniciado
step-status-in_progress = Em andamento
step-status-done = Concluído
step-status-skipped = Pulado
step-needs = Ainda falta:
step-ready = Pronto para concluir.
step-complete = Concluir o passo { $n }
step-start = Iniciar o passo { $n }
step-skip = Pular o passo { $n }
step-skip-reason = Por que é pulado
step-completed = O passo { $n } está concluído.
rule-earlier_steps_settled = todos os passos anteriores concluídos ou pulados
rule-customer_expectation_recorded = o que o cliente espera, escrito em um ponto-chave
rule-key_point_exists = pelo menos um ponto-chave
rule-measurement_this_cycle = uma medição de um ponto-chave neste ciclo
rule-open_action_with_owner_and_due_date = uma ação aberta com responsável e prazo
rule-feedback_cadence = uma cadência de feedback (uma linha crontab e um fuso horário)
rule-later_steps_open = todos os passos seguintes ainda abertos
key-points-title = Pontos-chave
key-points-empty = Nenhum ponto-chave ainda.
key-point-name = Ponto-chave
key-point-expects = O que o cliente espera
key-point-importance = Importância (1–5)
key-point-add = Adicionar ponto-chave
key-point-save = Salvar ponto-chave
key-point-edit = Editar
key-point-description = Descrição
key-point-update = Salvar alterações
measurement-title = Registrar uma medição de pesquisa
measurement-point = Ponto-chave
measurement-expected = Esperado ({ $min }–{ $max })
measurement-actual = Real ({ $min }–{ $max })
measurement-sample = Respostas (tamanho da amostra)
measurement-record = Registrar medição
actions-title = Ações
actions-empty = Nenhuma ação ainda.
action-add = Adicionar ação
action-title = Título
action-owner-field = Responsável (alguém do departamento)
action-due = Prazo
action-effect-point = Efeito pretendido no ponto-chave
action-effect-target = Valor-alvo
action-effect-by = Alcançado até
action-none = —
earlier-cycles = Ciclos anteriores
cycle-read-only = Ciclo { $n } (somente leitura)

## My department
my-department-title = { $name }
my-department-none = Você não está em um departamento. Peça a um administrador para incluí-lo.
department-plans = Planos
department-actions-by-owner = Ações por responsável
department-late = Atrasadas
department-nothing-late = Nada atrasado.
department-more = …e mais { $n }
department-plan-now = Agora no passo { $n }, { $step }: { $status }
department-plan-settled = Todos os passos concluídos
department-unassigned = Sem responsável
department-customers = Quem são nossos clientes
department-providers = Quem são nossos fornecedores
relationship-latest-gap = Última lacuna: { $gap }
relationship-no-gap = Ainda não medido
relationship-none = Nenhum ainda.

## Profile and sessions
profile-title = Meu perfil
profile-language = Idioma
profile-time-zone = Fuso horário (IANA, p. ex. America/Sao_Paulo)
profile-save = Salvar
profile-saved = Salvo.
sessions-title = Minhas sessões
sessions-device = { $browser } no { $os }
sessions-unknown-device = Navegador desconhecido
sessions-this = Este navegador
sessions-started = Entrou em { $when }
sessions-last-seen = Última atividade em { $when }
sessions-via-link = com um link por e-mail
sessions-via-oidc = com a conta da empresa
sessions-via-break-glass = com um link de emergência
sessions-end = Encerrar esta sessão
sessions-end-all = Sair de todos os lugares
sessions-ended = Você saiu de todos os lugares.

## Errors
error-forbidden-title = Não é para você ver
error-forbidden = Seu papel não permite esta página. Se precisar dela, fale com seu coordenador de CX.
error-not-found-title = Não encontrado
error-not-found = Não há nada aqui. O link pode ser antigo, ou o item foi removido.
error-refused-title = Não foi possível fazer isso
error-csrf = Este formulário expirou. Recarregue a página e tente de novo.
error-stale-title = Alguém mudou isto enquanto você editava
error-stale = { $who } salvou uma alteração em { $when }. Sua entrada está mantida abaixo; os valores atuais estão ao lado. Confira e salve de novo.
error-stale-current = Agora: { $value }
error-fix-below = Alguns campos precisam de outra olhada.
error-unavailable = O cxpm não consegue salvar agora. Sua entrada está mantida; tente de novo em instantes.
error-internal = Algo deu errado do nosso lado. Sua entrada está mantida; tente de novo.
back-home = Voltar ao meu trabalho

## Reports (the HTML gap and progress reports, and the gap lines of mails)
report-gap-report = Relatório de lacunas
report-progress-report = Relatório de progresso
report-generated = Gerado em
report-worst-gaps = Maiores lacunas
report-worst-gaps-note = Lacuna relativa das lacunas abertas, da pior para a melhor por importância.
report-trend = Tendência por ponto
report-trend-note = Lacuna relativa por período dos piores pontos.
report-by-department = Lacunas por departamento
report-by-department-note = Lacuna relativa média, ponderada pela amostra, de cada departamento fornecedor.
report-all-lines = Todos os pontos e métricas medidos
report-name = Ponto ou métrica
report-department = Departamento
report-period = Período
report-expected = Esperado / meta
report-actual = Real
report-gap = Lacuna
report-relative-gap = Relativa
report-severity = Gravidade
report-trend-column = Tendência
report-findings = Achados
report-change = Mudança
report-changes-since = Mudanças desde
report-closed-gaps = Lacunas fechadas
report-nothing-measured = Nada medido ainda.
report-severity-met = Atendida
report-severity-minor = Leve
report-severity-major = Grave
report-severity-critical = Crítica
report-trend-new = Nova
report-trend-better = Melhor
report-trend-steady = Estável
report-trend-worse = Pior
report-finding-no-open-plan = Sem plano em andamento
report-finding-blind-spot = Ponto cego
report-finding-stale-metric = Métrica desatualizada
report-finding-effect-missed = Prazo do efeito vencido, lacuna aberta
report-change-new = Nova
report-change-worse = Pior
report-change-better = Melhor
report-change-unchanged = Inalterada
report-change-closed = Fechada
report-plan-progress = Progresso dos planos por departamento
report-plan-progress-note = Ações dos planos de cada departamento: concluídas, abertas e atrasadas.
report-action-done = Concluídas
report-action-open = Abertas
report-action-overdue = Atrasadas
report-plans = Planos
report-plan = Plano
report-cycle = Ciclo
report-step = Etapa
report-all-settled = Todas concluídas
report-days-since-update = Dias desde a atualização
report-no-plans = Nenhum plano ainda.
report-coverage = Cobertura de responsáveis
report-coverage-note = O que ainda falta para todo ponto de contato ter um responsável.
report-coverage-gap-touchpoints = Pontos de contato sem responsável
report-coverage-gap-sub-processes = Subprocessos sem responsável
report-coverage-gap-owners = Responsáveis sem pessoa nomeada
report-coverage-gap-departments = Departamentos sem cliente interno
report-coverage-ready = Todo ponto de contato tem um responsável.
report-departments = Departamentos
report-owned-touchpoints = Pontos de contato
report-running-plans = Planos em andamento
report-engaged = Engajado
report-download = Baixar
report-owner = Responsável
report-period-start = Início do período
report-period-end = Fim do período
report-previous-gap = Lacuna anterior
report-importance = Importância
report-sample-size = Amostra
report-open-actions = Ações abertas
report-lines = Linhas
report-worst = Pior
report-by-stage = Por etapa
report-by-relationship = Por relação
report-steps-settled = Etapas concluídas
report-feedback-asked = Feedback pedido
report-coverage-gap = Lacuna
report-feedback-answered = Feedback respondido
report-feedback-response = Rodadas de feedback: { $internal } de { $internal_asked } clientes internos responderam; clientes externos { $external } de { $external_asked }.
report-yes = sim
report-no = não
report-maturity = Maturidade
report-maturity-note = Fases do programa pelas funções engajadas nele.
report-phase = Fase
report-phase-one = Uma função sozinha
report-phase-two = Várias funções juntas
report-phase-three = Marketing, vendas, serviço, TI e finanças
report-engaged-functions = Funções engajadas
report-next-phase-needs = A próxima fase ainda precisa de
report-step-of = passo { $n } de 7
report-next-phase-one-more = mais uma função atuando junto, qualquer uma de
report-next-phase-two-more = duas funções atuando juntas, entre
report-next-phase-all-of = todas estas
report-to-engage = Departamentos a envolver
report-top-phase = O programa chegou à última fase.
report-function-marketing = Marketing
report-function-sales = Vendas
report-function-service = Serviço
report-function-it = TI
report-function-finance = Finanças
report-function-operations = Operações
report-function-other = Outra

## Reminder mails
mail-topic-upcoming-due = { $n ->
    [one] { $n } ação vence em breve
   *[other] { $n } ações vencem em breve
}
mail-topic-overdue = { $n ->
    [one] { $n } ação atrasada
   *[other] { $n } ações atrasadas
}
mail-topic-stale-plans = { $n ->
    [one] { $n } plano sem atualização recente
   *[other] { $n } planos sem atualização recente
}
mail-topic-measurement-request = { $n ->
    [one] { $n } medição ou feedback pendente
   *[other] { $n } medições ou feedbacks pendentes
}
mail-topic-leadership-digest = as lacunas do programa de CX
mail-due-today = vence hoje
mail-due-in = { $n ->
    [one] vence amanhã
   *[other] vence em { $n } dias
}
mail-overdue-by = { $n ->
    [one] { $n } dia de atraso
   *[other] { $n } dias de atraso
}
mail-stale-for = { $n ->
    [one] { $n } dia sem atualização
   *[other] { $n } dias sem atualização
}
mail-feedback-due = feedback do cliente interno pendente desde { $since }
mail-escalated = { $base } — { $why }
mail-why-department-head = escalado a você como chefe do departamento
mail-why-coordinator = escalado a você como coordenador de CX
mail-why-sponsor = escalado a você como patrocinador
mail-more = …e mais { $n }
mail-greeting = Olá, { $name },
mail-intro = No programa “{ $program }”:
mail-footer = Você recebe esta mensagem pelo calendário de lembretes do programa ({ $rhythm }); atualize os itens no cxpm para responder.

## Validation messages beside a form's fields
invalid-empty = não pode ficar vazio
invalid-too-long = no máximo { $a } caracteres
invalid-between = deve estar entre { $a } e { $b }
invalid-at-most = deve ser no máximo { $a }
invalid-at-least = deve ser pelo menos { $a }
invalid-not-negative = deve ser 0 ou mais
invalid-number = deve ser um número
invalid-whole-number = deve ser um número inteiro
invalid-date = deve ser uma data (AAAA-MM-DD)
invalid-control = não pode conter caracteres de controle
invalid-blocked-reason = uma ação bloqueada precisa de um motivo
invalid-done-at-100 = uma ação concluída está em 100 %
invalid-update-empty = uma atualização precisa de progresso, status ou comentário
invalid-skip-reason = pular uma etapa exige um motivo
invalid-person-deactivated = esta pessoa está desativada
invalid-person-department = esta pessoa não é desse departamento
invalid-key-point-relationship = este ponto-chave pertence a outro relacionamento
invalid-time-zone = fuso horário desconhecido: { $a } (use um nome IANA, como America/Sao_Paulo)
invalid-locale = idioma não suportado: { $a }
invalid-unknown-value = valor desconhecido { $a }; use um de { $b }

## Rodadas de feedback (issue 16)
mail-feedback-subject = { $provider } pergunta a { $customer }: como foi?
mail-feedback-subject-external = { $provider } pergunta: como foi?
mail-feedback-body-external = { $provider } gostaria de saber como foi o trabalho para você: { $n ->
        [one] um ponto a avaliar
       *[other] { $n } pontos a avaliar
    }, cerca de um minuto no celular. Sem conta: o link abaixo é só seu.
mail-feedback-reminder-subject = Lembrete: { $provider } ainda gostaria da sua resposta
mail-feedback-greeting = Olá, { $name },
mail-feedback-greeting-anonymous = Olá,
mail-feedback-body = { $provider } gostaria de saber como foi o trabalho para { $customer }: { $n ->
        [one] um ponto a avaliar
       *[other] { $n } pontos a avaliar
    }, cerca de um minuto no celular.
mail-feedback-body-provider = Como você acha que { $customer } viveu o trabalho do seu departamento? { $n ->
        [one] Um ponto a avaliar
       *[other] { $n } pontos a avaliar
    }, cerca de um minuto: sua visão fica ao lado da deles.
mail-feedback-anonymous = Sua resposta é anônima: { $provider } vê só resultados de várias pessoas, e os comentários não levam nomes.
mail-feedback-deadline = Responda até { $deadline }, por favor.
mail-feedback-button = Responder agora
feedback-page-title = Seu feedback
feedback-title = { $provider } → { $customer }: como foi?
feedback-title-external = { $provider }: como foi?
feedback-intro = Avalie cada ponto: quanto importa para você, o que você espera e o que você viveu. Deixe em “—” se não souber dizer.
feedback-intro-provider = Sua própria visão: quanto cada ponto importa para { $customer }, o que esperam e o que você acha que viveram.
feedback-anonymous = Anônimo: { $provider } vê só resultados de várias pessoas.
feedback-deadline = Aberta até { $deadline }.
feedback-scale = Expectativa e experiência: { $min } = muito baixa, { $max } = muito alta. Importância: 1 = quase nada, 5 = muito.
feedback-importance = Importância
feedback-expectation = Expectativa
feedback-experience = Experiência
feedback-cannot-say = —
feedback-comment = Algo a acrescentar? (opcional; guardado sem o seu nome)
feedback-send = Enviar minha resposta
feedback-rate-all = Escolha as três para este ponto, ou deixe as três em “—”.
feedback-thanks-title = Obrigado
feedback-thanks = Sua resposta foi recebida. Ela conta para a próxima medição destes pontos.
feedback-answered-title = Já respondido
feedback-answered = Este convite já foi respondido: responde-se uma vez, e um link funciona uma vez.
feedback-closed-title = Esta rodada está encerrada
feedback-closed = A rodada está encerrada e não recebe mais respostas. Obrigado mesmo assim.
feedback-link-unknown-title = Link desconhecido
feedback-link-unknown = Este link não é conhecido. Abra o link mais recente do seu e-mail, ou entre.
feedback-round-title = Rodada de feedback: { $provider } → { $customer }
feedback-status-open = Aberta
feedback-status-closed = Encerrada
feedback-answered-count = { $answered } de { $invited } clientes responderam
feedback-closed-note = Encerrada em { $when }: { $n } medições feitas.
feedback-hidden = As médias aparecem a partir de { $min } respostas, para que ninguém seja identificado.
feedback-results = Resultados
feedback-no-answers = Nenhuma resposta ainda.
feedback-point = Ponto-chave
feedback-who = Quem
feedback-respondents = Respostas
feedback-respondent-internal = Departamento cliente
feedback-respondent-external = Clientes externos
feedback-respondent-provider = Fornecedor (visão própria)
feedback-rates = Taxas de resposta
feedback-department = Departamento
feedback-invited = Convidados
feedback-answered-col = Responderam
feedback-rate = Taxa
feedback-comments = Comentários
feedback-close = Encerrar agora e fazer as medições
feedback-answer-now = Responder agora
feedback-not-opened = Nenhuma rodada foi aberta
feedback-back = Voltar ao plano
feedback-section = Rodadas de feedback
feedback-none = Nenhuma rodada ainda: pergunte ao departamento cliente como foi.
feedback-ask = Perguntar aos clientes agora (aberta por uma semana)
feedback-ask-provider = Perguntar também à nossa equipe (ponto cego)
feedback-asked-of-you = Feedback pedido a você
feedback-asked-line = { $provider } pergunta: como foi? Aberta até { $deadline }.
invalid-answer-empty = avalie ao menos um ponto-chave, ou deixe um comentário
invalid-round-open = já há uma rodada aberta nesta relação
invalid-round-no-points = ainda não há pontos-chave para avaliar: escolha-os primeiro
invalid-round-nobody = ninguém a perguntar: o departamento cliente não tem pessoas ativas

## Programas (issue 17)
nav-programs = Programas
programs-none = Nenhum programa ainda.
program-new = Novo programa
program-name = Nome
program-business-line = Linha de negócio (opcional)
program-create = Criar o programa
program-status-draft = Rascunho
program-status-active = Ativo
program-status-closed = Encerrado
program-activate = Iniciar o programa
program-close = Encerrar o programa
program-reopen = Reabrir o programa
program-gap-report = Relatório de lacunas
program-progress-report = Relatório de progresso
program-coverage = Cobertura de responsáveis
program-coverage-ready = Todo ponto de contato tem um responsável: pronto para entrar em operação.
program-coverage-not-ready = Ainda não está pronto: restam estas lacunas.
program-coverage-no-touchpoints = Ainda não há ponto de contato no fluxo de valor: adicione primeiro as etapas voltadas ao cliente.
program-coverage-touchpoints = Pontos de contato sem responsável
program-coverage-sub-processes = Subprocessos sem responsável
program-coverage-owners = Responsáveis sem pessoa nomeada
program-coverage-departments = Departamentos sem cliente interno
program-team = Equipe
program-no-team = Ninguém na equipe ainda.
program-no-department = Sem departamento
program-value-stream = Fluxo de valor
program-no-stages = Nenhuma etapa ainda.
program-touchpoint = Ponto de contato
program-sub-processes = { $n ->
    [one] um subprocesso
   *[other] { $n } subprocessos
}
program-reminders = Lembretes
program-no-schedules = Nenhum lembrete agendado ainda.
program-no-rounds = Nenhuma rodada de feedback ainda.
schedule-next = próximo
schedule-off = desativado
schedule-kind-upcoming_due = Vencendo em breve
schedule-kind-overdue = Atrasadas
schedule-kind-stale_plans = Planos parados
schedule-kind-measurement_request = Pedidos de medição
schedule-kind-leadership_digest = Resumo para a liderança
team-role-sponsor = Patrocinador
team-role-coordinator = Coordenador
team-role-touchpoint_owner = Responsável por ponto de contato
team-role-member = Membro

## O painel (issue 17)
dashboard-title = Painel — { $program }
dashboard-link = Painel
dashboard-program = O programa
dashboard-worst = Maiores lacunas
dashboard-no-gaps = Nenhuma lacuna aberta: todo ponto medido atende à expectativa.
dashboard-lagging = Departamentos atrasados
dashboard-no-lagging = Nenhum departamento tem ação atrasada.
dashboard-lagging-counts = { $overdue } atrasadas de { $open } ações abertas
dashboard-maturity = Maturidade
dashboard-next-needs = A próxima fase precisa de
dashboard-since = Desde a última revisão
dashboard-no-snapshot = Nenhum snapshot salvo ainda: salve um numa revisão para ver o que muda depois.

## Value stream, coverage, who serves whom
value-stream-title = Fluxo de valor
value-stream-stages = Etapas
coverage-title = Cobertura
matrix-title = Quem atende quem
template-title = Comece pelo modelo industrial
template-help = Oito etapas, da licitação ao recebimento, e a entrega e aceitação com sua meta de pontualidade. Diga qual dos seus departamentos faz cada papel; um papel sem departamento não recebe linha de responsável.
template-unmapped = — sem departamento —
template-apply = Aplicar o modelo
template-role-order-management = Gestão de pedidos
template-role-manufacturing = Fabricação
template-role-quality-inspection = Inspeção de qualidade
template-role-shipping = Expedição
move-up = Subir
move-down = Descer
save = Salvar
archive = Arquivar
choose = — escolha —
part-name = Nome
part-name-in = Nome em { $language }
part-names-per-language = Nomes em cada idioma
part-description = Descrição
part-goal = Meta
stage-edit = Editar esta etapa
stage-add = Adicionar uma etapa
stage-add-button = Adicionar etapa
stage-customer-facing = Voltada ao cliente (um ponto de contato)
sub-process-edit = Editar este subprocesso
sub-process-add = Adicionar um subprocesso
sub-process-add-button = Adicionar subprocesso
owner-none = Nenhum departamento é responsável ainda.
owner-no-person = nenhuma pessoa indicada ainda
owner-no-members = Este departamento não tem membros ativos para indicar.
owner-person = Pessoa responsável
owner-nobody = — ninguém ainda —
owner-save = Salvar
owner-remove = Remover
owner-change = Alterar o responsável
owner-assign = Atribuir um departamento
owner-assign-button = Atribuir
owner-department = Departamento
owner-responsibility = Responsabilidade
coverage-gaps = O que falta
coverage-no-gaps = Não falta nada.
coverage-go-value-stream = Abrir o fluxo de valor
coverage-gap-touchpoint = Ponto de contato sem responsável
coverage-touchpoint-no-sub-processes = Este ponto de contato ainda não tem subprocesso.
coverage-gap-sub-process = Subprocesso sem responsável
coverage-gap-owner = Responsável sem pessoa
coverage-gap-department = Departamento sem nenhuma relação
relationship-serves = Atende (cliente interno)
relationship-delivers = O que entrega
relationship-add = Adicionar uma relação
relationship-add-button = Adicionar relação
relationship-provider = Fornecedor
relationship-customer = Cliente interno
relationship-retire = Encerrar
matrix-help = Cada linha é um departamento fornecedor, cada coluna um departamento que ele atende; cada célula mostra o que é entregue, seus pontos-chave e a pior lacuna atual, e abre o plano.
matrix-empty = Nenhuma relação ainda.
matrix-all = Todas as relações
matrix-caption = Relações por departamento fornecedor (linhas) e cliente interno (colunas)
matrix-provider = Fornecedor
matrix-customer = Cliente
matrix-no-plan = sem plano ainda
matrix-unmeasured = não medido
matrix-key-points = { $n ->
    [one] { $n } ponto-chave
   *[other] { $n } pontos-chave
}

## Reminders page
reminders-title = Lembretes
reminders-schedules = Agendamentos
reminders-next-five = As próximas cinco vezes
reminders-last = Último envio
reminders-never = nunca
reminders-dry-run = Simular
reminders-run-now = Executar agora
reminders-switch-off = Desligar
reminders-switch-on = Ligar
reminders-new = Um novo agendamento
reminders-kind = O que envia
reminders-cron = Quando (uma linha crontab)
reminders-cron-help = Minuto, hora, dia do mês, mês, dia da semana. "0 9 * * 1-5" é todo dia útil às 09:00; "30 8 * * 1" toda segunda às 08:30.
reminders-zone = Fuso horário
reminders-check = Verificar
reminders-create = Criar o agendamento
reminders-outbox = Caixa de saída
reminders-outbox-empty = Nenhum e-mail deste programa ainda.
reminders-outbox-when = Na fila em
reminders-outbox-to = Para
reminders-outbox-subject = Assunto
reminders-outbox-status = Situação
reminders-outbox-attempts = Tentativas
reminders-outbox-error = Último erro
reminders-ran-already = Já tinha sido executado neste período: nada foi enviado duas vezes.
reminders-ran = { $n ->
    [one] Executado: { $n } e-mail na fila.
   *[other] Executado: { $n } e-mails na fila.
}
outbox-status-pending = aguardando
outbox-status-sent = enviado
outbox-status-failed = falhou
dry-run-title = Simulação
dry-run-help = Os e-mails que este agendamento enviaria agora, exatamente como escritos; nada é enviado nem posto na fila.
dry-run-none = Ninguém receberia e-mail agora: não há nada a avisar.

## Admin pages
nav-admin = Administração
admin-people = Pessoas
admin-departments = Departamentos
admin-tokens = Tokens
admin-no-departments = Nenhum departamento ainda.
admin-no-people = Ninguém corresponde.
admin-inactive = inativo
admin-active = ativo
admin-parent = Parte de
admin-no-parent = — nível superior —
admin-head = Responsável
admin-code = Código
admin-change = Alterar
admin-deactivate = Desativar
admin-activate = Reativar
admin-new-department = Um novo departamento
admin-create-department = Criar departamento
admin-search = Nome ou e-mail
admin-all = — todos —
admin-role = Papel
admin-status = Situação
admin-filter = Filtrar
admin-email = E-mail
admin-no-department = — sem departamento —
admin-new-person = Uma nova pessoa
admin-create-person = Criar pessoa
admin-make-link = Link de acesso de uso único
admin-link-made = Um link de acesso para { $name }, de uso único dentro do prazo. Entregue pessoalmente; ele não será mostrado de novo.
admin-more = Há mais pessoas do que as listadas: refine o filtro.
admin-token-once = O token, mostrado só desta vez: copie agora. Ele nunca é guardado, só o seu hash.
admin-no-tokens = Nenhum token ainda.
admin-token-label = Rótulo
admin-token-issued = Emitido
admin-token-used = Último uso
admin-token-revoked = revogado
admin-token-revoke = Revogar
admin-token-issue = Emitir um token
admin-token-issue-button = Emitir token
role-admin = Administrador
role-coordinator = Coordenador
role-department_head = Responsável de departamento
role-member = Membro
role-executive = Executivo
import-title = Importar pessoas
import-help = Envie um arquivo CSV ou uma pasta de trabalho do Excel (a primeira planilha) com uma linha de cabeçalho. Primeiro ela é verificada: cada linha aparece com seus problemas, e ninguém é criado até você confirmar um arquivo sem problemas.
import-send = Enviar um arquivo
import-file = Arquivo CSV ou xlsx
import-check = Verificar o arquivo
import-no-file = Escolha um arquivo primeiro.
import-not-utf8 = O arquivo não é uma pasta de trabalho xlsx nem texto UTF-8.
import-checked = Verificado: { $file }
import-line = Linha
import-problems = Problemas
import-row-ok = pronta
import-not-ready = O arquivo tem problemas: nada pode ser importado até que sejam corrigidos no arquivo e ele seja enviado de novo.
import-changed = Algo mudou desde a verificação (um e-mail já usado nesse meio tempo?): nada foi importado. Verifique o arquivo de novo.
import-ready = { $n ->
    [one] { $n } pessoa, sem problemas.
   *[other] { $n } pessoas, sem problemas.
}
import-confirm = { $n ->
    [one] Importar esta pessoa
   *[other] Importar estas { $n } pessoas
}
import-done = { $n ->
    [one] { $n } pessoa importada.
   *[other] { $n } pessoas importadas.
}
audit-title = Trilha de auditoria
audit-entity = Tipo de registro
audit-entity-id = Id do registro
audit-since = De
audit-until = Até
audit-none = Nenhuma alteração corresponde.
audit-system = cxpm
audit-field = Campo
audit-before = Antes
audit-after = Depois
audit-older = Alterações mais antigas
audit-bad-day = Escreva a data como AAAA-MM-DD.
audit-fields = { $n ->
    [one] { $n } campo
   *[other] { $n } campos
}

## Team page
team-title = Equipe
team-role = Papel na equipe
team-remove = Tirar da equipe
team-add = Adicionar alguém
team-add-button = Adicionar à equipe
team-person = Pessoa
team-everyone-seated = Todas as pessoas ativas já estão na equipe.

## Report page controls
report-controls = Relatório
report-back = Voltar ao programa
report-filter-department = Departamento
report-filter-stage = Etapa
report-filter-severity = No mínimo
report-filter-since = Mudanças desde
report-no-snapshot = — sem comparação —
report-snapshot-label = Nome do retrato
report-snapshot-save = Salvar um retrato
report-snapshot-saved = Retrato "{ $label }" salvo: o relatório agora mostra o que muda a partir dele.
report-print = Imprimir ou salvar em PDF

## Metrics page
metrics-title = Indicadores
metrics-none = Nenhum indicador ainda.
metrics-stale = ninguém o atualiza
metrics-target = Meta
metrics-last = Última leitura
metrics-readings = As leituras
metrics-open = O gráfico e as leituras
metrics-no-readings = Nenhuma leitura ainda.
metrics-record = Registrar uma leitura
metrics-record-button = Registrar
metrics-from = De
metrics-to = Até
metrics-value = Valor
metrics-new = Um novo indicador
metrics-stage = Etapa
metrics-unit = Unidade
metrics-direction = Melhor quando
metrics-direction-higher_is_better = maior é melhor
metrics-direction-lower_is_better = menor é melhor
metrics-create = Adicionar o indicador
metrics-chart = { $name } ao longo do tempo, contra a meta

## Calendar feeds
calendar-title = Minha agenda
calendar-help = Assine no seu aplicativo de agenda (Outlook, Google Agenda, Apple Calendário, DingTalk, Feishu) as suas ações com prazo — ou as do seu departamento — e as datas de retorno dos seus planos. O endereço tem um segredo próprio: quem o tiver lê a agenda; guarde-o e revogue-o na dúvida.
calendar-made = O endereço da sua agenda, mostrado só desta vez: adicione-o como assinatura no seu aplicativo de agenda.
calendar-open-app = Abrir no meu aplicativo de agenda
calendar-none = Nenhuma agenda ainda.
calendar-read = Última leitura
calendar-new = Uma nova agenda
calendar-new-mine = Minhas ações
calendar-new-department = Ações de { $department }
calendar-feed-mine = Minhas ações
calendar-feed-department = Ações de { $department }
calendar-name-mine = cxpm — { $name }
calendar-name-department = cxpm — { $department }
calendar-action = Plano: { $plan } · { $status } · { $progress }%
calendar-feedback = Retorno sobre "{ $plan }": ouvir os clientes
profile-calendar = Assine na sua agenda as suas ações com prazo

## Chat channels and webhooks (issue 18)
chat-open = Abrir a lista completa no cxpm
chat-footer = Do calendário de lembretes do programa ({ $rhythm }).
mail-webhook-disabled-subject = Um webhook de “{ $program }” foi desligado
mail-webhook-disabled-body = O webhook para { $url } falhou durante um dia inteiro, e o cxpm deixou de chamá-lo. A última resposta foi: { $reason }
mail-webhook-disabled-action = Quando o sistema receptor voltar a funcionar, religue o webhook e reenvie o que ele perdeu a partir do registro de entregas.
invalid-url-https = deve ser um endereço https://
invalid-url = não é um endereço web que o cxpm possa chamar
invalid-url-userinfo = não deve conter usuário nem senha
invalid-url-private = { $a } está dentro da sua rede (loopback, privado ou de metadados): o cxpm não o chama
invalid-secret-unsigned = esta plataforma não assina mensagens: deixe o segredo vazio
invalid-channel-leadership = o resumo da liderança vai para o e-mail dos leitores, não para um grupo de chat
invalid-events-empty = escolha pelo menos um evento
hooks-title = Grupos de chat e webhooks
hooks-link = Grupos de chat e webhooks
hooks-intro = Os lembretes também podem ir para os grupos de chat dos departamentos, e outros sistemas podem saber o que acontece no programa.
hooks-channels = Grupos de chat
hooks-no-channels = Nenhum grupo de chat recebe os lembretes deste programa ainda.
hooks-channel-kind = Plataforma
hooks-kind-wecom = WeCom (企业微信)
hooks-kind-dingtalk = DingTalk (钉钉)
hooks-kind-feishu = Feishu / Lark (飞书)
hooks-kind-teams = Microsoft Teams (Workflows)
hooks-kind-slack = Slack
hooks-name = Nome
hooks-url = Endereço de webhook do robô
hooks-url-help = Copiado das configurações do robô do grupo; contém a chave do robô e não é mostrado de novo.
hooks-secret = Segredo de assinatura (DingTalk, Feishu)
hooks-secret-help = Só quando o robô assina as mensagens; não é mostrado de novo.
hooks-language = Idioma das mensagens
hooks-schedules = Lembretes que recebe
hooks-departments = Departamentos que lista
hooks-departments-help = Nenhum escolhido: todos os departamentos.
hooks-all-departments = todos os departamentos
hooks-none = nenhum
hooks-add-channel = Conectar o grupo
hooks-state-active = ativo
hooks-state-broken = com falha
hooks-state-disabled = desligado
hooks-broken-why = A plataforma recusou a última mensagem: { $why }
hooks-fix = Novo endereço ou segredo
hooks-save = Salvar
hooks-remove = Remover
hooks-last = Última mensagem: { $status }, { $when }
hooks-webhooks = Webhooks
hooks-no-webhooks = Nenhum sistema assina os eventos deste programa.
hooks-events = Eventos
hooks-event-action-created = uma ação é criada
hooks-event-action-updated = uma ação muda ou recebe uma atualização
hooks-event-action-overdue = uma ação fica atrasada
hooks-event-step-completed = uma etapa do plano é concluída
hooks-event-plan-cycle_started = um plano inicia um novo ciclo
hooks-event-measurement-recorded = um ponto-chave é medido
hooks-event-reading-recorded = uma leitura de indicador é registrada
hooks-event-snapshot-saved = um retrato do relatório de lacunas é salvo
hooks-webhook-url = Endereço para enviar (https)
hooks-add-webhook = Assinar
hooks-secret-once = O segredo de assinatura — copie agora, ele não é mostrado de novo:
hooks-rotate = Novo segredo
hooks-switch-off = Desligar
hooks-switch-on = Ligar
hooks-failing-since = Falhando desde { $when }: { $why }
hooks-deliveries = Últimas chamadas
hooks-redeliver = Enviar de novo
hooks-delivery-line = { $event } · { $status } · { $attempts } tentativa(s)
