//! Built-in value-stream templates.
//!
//! `industrial` is the value stream of an industrial manufacturer from first contact
//! to cash, as in the seed articles: eight stages, every one customer-facing but
//! manufacturing, and the delivery-and-acceptance sub-process with its goal and the
//! four departments that own it.

/// A stage a template creates.
#[derive(Debug, Clone, Copy)]
pub struct TemplateStage {
    /// Stable key: applying a template again finds what it created before by this.
    pub key: &'static str,
    pub name_en: &'static str,
    pub name_pt: &'static str,
    pub name_zh: &'static str,
    pub customer_facing: bool,
}

impl TemplateStage {
    /// Its name in every language the product speaks, by locale tag.
    pub fn names(&self) -> [(&'static str, &'static str); 3] {
        [
            ("en", self.name_en),
            ("zh-CN", self.name_zh),
            ("pt-BR", self.name_pt),
        ]
    }
}

/// A department role a template's owner rows are assigned to; the caller maps each
/// to one of its departments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateOwner {
    pub department_key: &'static str,
    pub responsibility: &'static str,
}

#[derive(Debug, Clone, Copy)]
pub struct TemplateSubProcess {
    pub key: &'static str,
    pub stage_key: &'static str,
    pub name_en: &'static str,
    pub name_pt: &'static str,
    pub name_zh: &'static str,
    pub goal: &'static str,
    pub owners: &'static [TemplateOwner],
}

pub const INDUSTRIAL_STAGES: [TemplateStage; 8] = [
    TemplateStage {
        key: "bidding",
        name_en: "Bidding",
        name_pt: "Licitação",
        name_zh: "项目投标",
        customer_facing: true,
    },
    TemplateStage {
        key: "factory_visit",
        name_en: "Factory visit",
        name_pt: "Visita à fábrica",
        name_zh: "工厂考察",
        customer_facing: true,
    },
    TemplateStage {
        key: "order_signing",
        name_en: "Order signing",
        name_pt: "Assinatura do pedido",
        name_zh: "订单签署",
        customer_facing: true,
    },
    TemplateStage {
        key: "manufacturing",
        name_en: "Manufacturing",
        name_pt: "Fabricação",
        name_zh: "产品制造",
        customer_facing: false,
    },
    TemplateStage {
        key: "delivery_acceptance",
        name_en: "Delivery & acceptance",
        name_pt: "Entrega e aceitação",
        name_zh: "发货验收",
        customer_facing: true,
    },
    TemplateStage {
        key: "commissioning_installation",
        name_en: "Commissioning & installation",
        name_pt: "Comissionamento e instalação",
        name_zh: "调试安装",
        customer_facing: true,
    },
    TemplateStage {
        key: "service_maintenance",
        name_en: "Service & maintenance",
        name_pt: "Serviço e manutenção",
        name_zh: "服务保养",
        customer_facing: true,
    },
    TemplateStage {
        key: "payment_collection",
        name_en: "Payment collection",
        name_pt: "Cobrança",
        name_zh: "收款",
        customer_facing: true,
    },
];

/// The department roles the industrial template names, in the order the seed does.
pub const INDUSTRIAL_DEPARTMENT_KEYS: [&str; 4] = [
    "order_management",
    "manufacturing",
    "quality_inspection",
    "shipping",
];

pub const INDUSTRIAL_SUB_PROCESSES: [TemplateSubProcess; 1] = [TemplateSubProcess {
    key: "delivery_acceptance.ship_on_time",
    stage_key: "delivery_acceptance",
    name_en: "Delivery & acceptance",
    name_pt: "Entrega e aceitação",
    name_zh: "发货验收",
    goal: "Ship qualified product within the agreed delivery time, so that the end customer's experience is a delight; keep the salesperson informed so the customer is told in time.",
    owners: &[
        TemplateOwner {
            department_key: "order_management",
            responsibility: "Confirm the order and its delivery date; keep the salesperson informed of any change so the customer is told in time.",
        },
        TemplateOwner {
            department_key: "manufacturing",
            responsibility: "Finish production within the agreed delivery time.",
        },
        TemplateOwner {
            department_key: "quality_inspection",
            responsibility: "Inspect before shipment so that only qualified product leaves the factory.",
        },
        TemplateOwner {
            department_key: "shipping",
            responsibility: "Ship on the agreed date and confirm dispatch to order management and the salesperson.",
        },
    ],
}];

impl TemplateSubProcess {
    /// Its name in every language the product speaks, by locale tag.
    pub fn names(&self) -> [(&'static str, &'static str); 3] {
        [
            ("en", self.name_en),
            ("zh-CN", self.name_zh),
            ("pt-BR", self.name_pt),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_name_is_in_every_language() {
        for stage in INDUSTRIAL_STAGES {
            assert!(
                stage.names().iter().all(|(_, n)| !n.is_empty()),
                "{}",
                stage.key
            );
        }
        for sub in INDUSTRIAL_SUB_PROCESSES {
            assert!(
                sub.names().iter().all(|(_, n)| !n.is_empty()),
                "{}",
                sub.key
            );
        }
    }

    #[test]
    fn the_industrial_stream_has_eight_stages_with_only_manufacturing_internal() {
        assert_eq!(INDUSTRIAL_STAGES.len(), 8);
        let internal: Vec<&str> = INDUSTRIAL_STAGES
            .iter()
            .filter(|s| !s.customer_facing)
            .map(|s| s.key)
            .collect();
        assert_eq!(internal, ["manufacturing"]);
    }

    #[test]
    fn every_template_reference_resolves() {
        for sp in INDUSTRIAL_SUB_PROCESSES {
            assert!(INDUSTRIAL_STAGES.iter().any(|s| s.key == sp.stage_key));
            for owner in sp.owners {
                assert!(INDUSTRIAL_DEPARTMENT_KEYS.contains(&owner.department_key));
            }
        }
    }
}
