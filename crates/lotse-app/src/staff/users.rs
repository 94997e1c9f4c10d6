//! User management for tenant admins: list, add, change role, reset password, unlock, delete.
//!
//! Every function takes the signed-in admin first and works only inside their tenant: the
//! store looks accounts up by `(tenant_id, email)`, so another tenant's address is `NotFound`.
//! Two rules keep a tenant manageable: nobody deletes their own account, and the last admin
//! can be neither deleted nor demoted (the store checks that in the same SQL statement).

use lotse_store::UserRecord;
use serde_json::json;

use super::{Role, Staff, blocking, hash_password, normalize_email, one_time_password};
use crate::{App, AppError};

pub(super) fn require_admin(staff: &Staff) -> Result<(), AppError> {
    if staff.role < Role::Admin {
        return Err(AppError::Forbidden(
            "only admins manage staff accounts".into(),
        ));
    }
    Ok(())
}

impl App {
    /// The tenant's staff accounts, ordered by e-mail address (admins only).
    pub async fn staff_users(&self, staff: &Staff) -> Result<Vec<UserRecord>, AppError> {
        require_admin(staff)?;
        Ok(self.db().users(&staff.tenant).await?)
    }

    /// Adds an account to the admin's tenant and returns its one-time password, which must be
    /// changed at the first sign-in.
    pub async fn admin_add_user(
        &self,
        staff: &Staff,
        email: &str,
        role: Role,
    ) -> Result<String, AppError> {
        require_admin(staff)?;
        self.insert_user(&staff.tenant, &staff.email, email, role, None)
            .await?
            .ok_or_else(|| AppError::Internal("no one-time password generated".into()))
    }

    /// Changes an account's role. The last admin of a tenant keeps the admin role.
    pub async fn set_user_role(
        &self,
        staff: &Staff,
        email: &str,
        role: Role,
    ) -> Result<(), AppError> {
        require_admin(staff)?;
        let user = self.managed_user(staff, email).await?;
        let before: Role = user.role.parse()?;
        self.db()
            .set_user_role(&staff.tenant, &user.email, role.as_str())
            .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "user.role",
            &user.email,
            Some(json!({ "role": before })),
            Some(json!({ "role": role })),
        )
        .await
    }

    /// Gives an account a new one-time password (returned once), ends all its sessions and
    /// lifts a lock-out. The old password stops working at once.
    pub async fn reset_user_password(
        &self,
        staff: &Staff,
        email: &str,
    ) -> Result<String, AppError> {
        require_admin(staff)?;
        let user = self.managed_user(staff, email).await?;
        let password = one_time_password()?;
        let to_hash = password.clone();
        let hash = blocking(move || hash_password(&to_hash)).await??;
        let db = self.db();
        db.set_password(&staff.tenant, &user.email, &hash, true)
            .await?;
        db.set_login_state(&staff.tenant, &user.email, 0, 0).await?;
        db.delete_sessions_of(&staff.tenant, &user.email, None)
            .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "user.password_reset",
            &user.email,
            Some(json!({ "must_change_password": user.must_change_password })),
            Some(json!({ "must_change_password": true, "sessions": "ended" })),
        )
        .await?;
        Ok(password)
    }

    /// Lifts a lock-out after repeated failed sign-ins.
    pub async fn unlock_user(&self, staff: &Staff, email: &str) -> Result<(), AppError> {
        require_admin(staff)?;
        let user = self.managed_user(staff, email).await?;
        self.db()
            .set_login_state(&staff.tenant, &user.email, 0, 0)
            .await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "user.unlock",
            &user.email,
            Some(json!({ "failed_logins": user.failed_logins, "locked_until": user.locked_until })),
            Some(json!({ "failed_logins": 0, "locked_until": 0 })),
        )
        .await
    }

    /// Deletes an account and its sessions. Not one's own, and not the tenant's last admin.
    pub async fn delete_user(&self, staff: &Staff, email: &str) -> Result<(), AppError> {
        require_admin(staff)?;
        let user = self.managed_user(staff, email).await?;
        if user.email == staff.email {
            return Err(AppError::Forbidden(
                "admins cannot delete their own account".into(),
            ));
        }
        self.db().delete_user(&staff.tenant, &user.email).await?;
        self.audit(
            &staff.tenant,
            &staff.email,
            "user.delete",
            &user.email,
            Some(json!({ "role": user.role })),
            None,
        )
        .await
    }

    /// The account `email` of the admin's tenant (`NotFound` for any other tenant's account).
    async fn managed_user(&self, staff: &Staff, email: &str) -> Result<UserRecord, AppError> {
        Ok(self
            .db()
            .user(&staff.tenant, &normalize_email(email))
            .await?)
    }
}
