//! The market's entry points for the deposit-address protocol (spec
//! section 14.3): the verified-only `request_deposit_address` and
//! `store_deposit_info`, the `submit_*` helpers that parse, verify, apply and
//! return the [`Event`], and the account view with its deposit-address state.

use super::{Event, Market, MarketError};
use crate::address::Address;
use crate::deposit_address::{
    AccountAction, DepositAddressMessage, DepositAddressRequest, DepositAddressState,
};
use crate::signature::verified::{Verified, verify_document_in};
use crate::time::Timestamp;
use crate::wire::AccountJson;

impl Market {
    /// The deposit-address state of `account`, if it ever had one.
    pub fn deposit_address_state(&self, account: &Address) -> Option<&DepositAddressState> {
        self.deposit_addresses.get(account)
    }

    /// The accounts with a pending deposit-address request, in address
    /// order (`/query/accounts?requestdepositaddress=…`).
    pub fn pending_deposit_address_requests(&self) -> impl Iterator<Item = &Address> {
        self.deposit_addresses.pending()
    }

    /// The JSON view of `account` (BW-JSON-6): balances from the ledger
    /// (zero BTC for an unknown account) and the deposit-address state.
    pub fn account_json(&self, account: &Address) -> AccountJson {
        let mut view = AccountJson::new(*account, &self.ledger.account_or_empty(account));
        if let Some(state) = self.deposit_addresses.get(account) {
            view.deposit_info = state.info.clone();
            view.last_deposit_info = state.last_info;
            view.deposit_address_request = state.request.clone();
        }
        view
    }

    /// Stores a verified deposit-address request (BW-DEPADDR-4): checks the
    /// signer's authority, the account's state and the nonce, then stores
    /// the request and spends the nonce (BW-DEPADDR-8). All or nothing.
    pub fn request_deposit_address(
        &mut self,
        now: Timestamp,
        request: &Verified<DepositAddressRequest>,
    ) -> Result<(), MarketError> {
        self.check_time(now)?;
        self.deposit_addresses
            .check_request(now, request, &self.config.trusted_account)?;
        let ticket = self.nonces.check(now, &request.nonce)?;
        self.nonces
            .consume(now, ticket)
            .expect("nonce checked at the same time");
        self.deposit_addresses.store_request(request);
        self.latest = now;
        Ok(())
    }

    /// Stores verified deposit information (BW-DEPADDR-5): checks that the
    /// trusted account signed it and the nonce, then replaces the account's
    /// deposit information, ends its pending request and spends the nonce
    /// (BW-DEPADDR-8). All or nothing.
    pub fn store_deposit_info(
        &mut self,
        now: Timestamp,
        message: &Verified<DepositAddressMessage>,
    ) -> Result<(), MarketError> {
        self.check_time(now)?;
        self.deposit_addresses
            .check_info(message, &self.config.trusted_account)?;
        let ticket = self.nonces.check(now, &message.nonce)?;
        self.nonces
            .consume(now, ticket)
            .expect("nonce checked at the same time");
        self.deposit_addresses.store_info(now, message);
        self.latest = now;
        Ok(())
    }

    /// Parses, verifies (in [`MarketConfig::verify_mode`], like every other
    /// signed input) and stores a deposit-address request posted to
    /// `/account/<account>`.
    ///
    /// [`MarketConfig::verify_mode`]: super::MarketConfig::verify_mode
    pub fn submit_deposit_address_request(
        &mut self,
        now: Timestamp,
        account: &str,
        form: &[(String, String)],
    ) -> Result<Event, MarketError> {
        self.check_time(now)?;
        let request = DepositAddressRequest::from_form(account, form, self.config.bids.network)?;
        let verified = verify_document_in(self.config.verify_mode, request)?;
        self.request_deposit_address(now, &verified)?;
        Ok(Event::DepositAddressRequested {
            now,
            account: account.to_owned(),
            form: form.to_vec(),
        })
    }

    /// Parses, verifies (in [`MarketConfig::verify_mode`]) and stores
    /// deposit information posted to `/account/<account>`.
    ///
    /// [`MarketConfig::verify_mode`]: super::MarketConfig::verify_mode
    pub fn submit_deposit_info(
        &mut self,
        now: Timestamp,
        account: &str,
        form: &[(String, String)],
    ) -> Result<Event, MarketError> {
        self.check_time(now)?;
        let message = DepositAddressMessage::from_form(account, form, self.config.bids.network)?;
        let verified = verify_document_in(self.config.verify_mode, message)?;
        self.store_deposit_info(now, &verified)?;
        Ok(Event::DepositInfoStored {
            now,
            account: account.to_owned(),
            form: form.to_vec(),
        })
    }

    /// `POST /account/<account>`: dispatches on the form's `action`
    /// (BW-DEPADDR-1) to [`submit_deposit_address_request`] or
    /// [`submit_deposit_info`].
    ///
    /// [`submit_deposit_address_request`]: Market::submit_deposit_address_request
    /// [`submit_deposit_info`]: Market::submit_deposit_info
    pub fn submit_account_action(
        &mut self,
        now: Timestamp,
        account: &str,
        form: &[(String, String)],
    ) -> Result<(AccountAction, Event), MarketError> {
        let action = AccountAction::from_form(form)?;
        let event = match action {
            AccountAction::RequestDepositAddress => {
                self.submit_deposit_address_request(now, account, form)?
            }
            AccountAction::StoreDepositInfo => self.submit_deposit_info(now, account, form)?,
        };
        Ok((action, event))
    }
}
