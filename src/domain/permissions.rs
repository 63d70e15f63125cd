//! Who may see and who may change an order (docs/product.md rules 2 and 3).
//!
//! A change to an order needs an [`EditGrant`], and only [`Actor::edit_grant`] makes one:
//! the store's write functions take it, so a handler cannot forget the check. Managing a
//! company's users and API tokens needs a [`CompanyGrant`] in the same way.

/// The signed-in user, as far as permissions go.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: i64,
    pub company_id: String,
    pub can_edit: bool,
    pub operator: bool,
    /// Manages the users and API tokens of their own company.
    pub company_admin: bool,
}

/// The parties of an order that decide who sees and who changes it.
#[derive(Debug, Clone)]
pub struct OrderParties {
    pub order_id: String,
    pub partner_id: String,
    pub distributor_id: Option<String>,
    pub created_by: i64,
}

/// Proof that an actor may edit or resend on one order.
#[derive(Debug, Clone)]
pub struct EditGrant {
    order_id: String,
    user_id: i64,
}

impl EditGrant {
    pub fn order_id(&self) -> &str {
        &self.order_id
    }

    pub fn user_id(&self) -> i64 {
        self.user_id
    }

    /// The user to record as having acted: none for an API token (its actor's id is no
    /// user's; the transaction names the token instead).
    pub fn actor_user_id(&self) -> Option<i64> {
        (self.user_id > 0).then_some(self.user_id)
    }
}

/// Proof that an actor may manage one company's users and API tokens.
#[derive(Debug, Clone)]
pub struct CompanyGrant {
    company_id: String,
    user_id: i64,
}

impl CompanyGrant {
    pub fn company_id(&self) -> &str {
        &self.company_id
    }

    pub fn user_id(&self) -> i64 {
        self.user_id
    }
}

/// The right to do what only operators do: deliver a failed email again, work a support
/// case. Only [`Actor::operator_grant`] makes one, and the store calls for those take it,
/// so the check cannot be forgotten where they are made.
#[derive(Debug, Clone)]
pub struct OperatorGrant {
    user_id: i64,
}

impl OperatorGrant {
    pub fn user_id(&self) -> i64 {
        self.user_id
    }
}

impl Actor {
    /// An API token acting for its company: with the edit permission for the `write`
    /// scope, never an operator nor an admin. Its id is the token's, negated, so that it is
    /// no user's and never counts as an order's creator (a read token of the user who
    /// created an order may not edit it).
    pub fn api_token(token_id: i64, company_id: &str, write: bool) -> Self {
        Self {
            user_id: -token_id,
            company_id: company_id.to_string(),
            can_edit: write,
            operator: false,
            company_admin: false,
        }
    }

    /// Company admins manage their own company; operators manage every company.
    /// Operators only (never an API token).
    pub fn operator_grant(&self) -> Option<OperatorGrant> {
        self.operator.then_some(OperatorGrant { user_id: self.user_id })
    }

    pub fn company_grant(&self, company_id: &str) -> Option<CompanyGrant> {
        let allowed = self.operator || (self.company_admin && self.company_id == company_id);
        allowed.then(|| CompanyGrant { company_id: company_id.to_string(), user_id: self.user_id })
    }

    fn in_company_of(&self, order: &OrderParties) -> bool {
        self.company_id == order.partner_id || order.distributor_id.as_deref() == Some(self.company_id.as_str())
    }

    /// Rule 2: the orders of one's own company, as partner or as distributor; operators see all.
    pub fn may_see(&self, order: &OrderParties) -> bool {
        self.sees_every_company() || self.in_company_of(order)
    }

    /// Rule 2 for the set-based lists, which turn it into SQL: whether every company's
    /// orders are visible (operators), or only those of `company_id`.
    pub fn sees_every_company(&self) -> bool {
        self.operator
    }

    /// Rule 3: the creator, a user with the edit permission in the partner or distributor
    /// company, or an operator.
    pub fn edit_grant(&self, order: &OrderParties) -> Option<EditGrant> {
        let allowed = self.operator || order.created_by == self.user_id || (self.can_edit && self.in_company_of(order));
        allowed.then(|| EditGrant { order_id: order.order_id.clone(), user_id: self.user_id })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> OrderParties {
        OrderParties {
            order_id: "WO-1".into(),
            partner_id: "acme".into(),
            distributor_id: Some("dist".into()),
            created_by: 1,
        }
    }

    fn actor(id: i64, company: &str, can_edit: bool, operator: bool) -> Actor {
        Actor { user_id: id, company_id: company.into(), can_edit, operator, company_admin: false }
    }

    #[test]
    fn companies_are_managed_by_their_admins_and_operators() {
        let admin = Actor { company_admin: true, ..actor(2, "acme", false, false) };
        assert_eq!(admin.company_grant("acme").unwrap().company_id(), "acme");
        assert!(admin.company_grant("other").is_none(), "not another company");
        assert!(actor(3, "acme", true, false).company_grant("acme").is_none(), "edit permission is not admin");
        assert!(actor(9, "vendor", false, true).company_grant("acme").is_some(), "operators manage every company");
    }

    #[test]
    fn api_tokens_act_as_a_user_of_their_company() {
        let read = Actor::api_token(1, "acme", false);
        assert!(read.may_see(&order()), "its company's orders");
        assert!(read.edit_grant(&order()).is_none(), "read scope: no edit, even though user 1 created the order");
        let write = Actor::api_token(1, "acme", true);
        let grant = write.edit_grant(&order()).unwrap();
        assert_eq!(grant.actor_user_id(), None, "no user recorded for a token");
        assert!(Actor::api_token(2, "other", true).edit_grant(&order()).is_none(), "not another company's");
        assert!(!Actor::api_token(3, "other", true).may_see(&order()));
        assert!(write.company_grant("acme").is_none(), "tokens manage nothing");
    }

    #[test]
    fn visibility_follows_the_company() {
        assert!(actor(2, "acme", false, false).may_see(&order()));
        assert!(actor(3, "dist", false, false).may_see(&order()));
        assert!(!actor(4, "other", true, false).may_see(&order()));
        assert!(actor(5, "vendor", false, true).may_see(&order()));
    }

    #[test]
    fn edit_needs_creator_permission_or_operator() {
        assert!(actor(1, "acme", false, false).edit_grant(&order()).is_some(), "creator");
        assert!(actor(2, "acme", true, false).edit_grant(&order()).is_some(), "case 1.2");
        assert!(actor(2, "acme", false, false).edit_grant(&order()).is_none(), "case 1.1");
        assert!(actor(3, "dist", true, false).edit_grant(&order()).is_some(), "distributor");
        assert!(actor(4, "other", true, false).edit_grant(&order()).is_none(), "other company");
        let grant = actor(9, "vendor", false, true).edit_grant(&order()).unwrap();
        assert_eq!((grant.order_id(), grant.user_id()), ("WO-1", 9));
    }
}
