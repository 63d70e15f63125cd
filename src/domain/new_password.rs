//! A password someone sets through an invitation, checked as OWASP ASVS level 2 asks: at
//! least 12 characters, no composition rules, and not easy to guess. "Easy to guess" is
//! zxcvbn's estimate (Dropbox's model of how crackers guess: dictionaries of common
//! passwords, names and words, keyboard walks, dates, repeats, l33t), which must reach 3
//! ("safely unguessable": more than 10^10 guesses), with the user's own name and address as
//! words it knows too.

use zxcvbn::Score;

pub const MIN_CHARS: usize = 12;
/// Long enough for any passphrase, short enough that hashing it costs nothing unusual.
pub const MAX_CHARS: usize = 256;
/// zxcvbn's score a password must reach.
pub const MIN_SCORE: Score = Score::Three;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    /// zxcvbn guesses it in fewer than 10^10 tries (common, or built from the user's name).
    Guessable,
    Mismatch,
}

/// A password that passed the policy; only [`NewPassword::parse`] makes one.
#[derive(Clone)]
pub struct NewPassword(String);

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(…)")
    }
}

impl NewPassword {
    /// Checks `password` against the policy; `user_inputs` are words of this user that a
    /// guesser would try first (their name and email address).
    pub fn parse(password: &str, confirmation: &str, user_inputs: &[&str]) -> Result<Self, PasswordProblem> {
        let chars = password.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordProblem::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordProblem::TooLong);
        }
        // The address's parts count as words on their own too (`ivy`, `acme`).
        let mut words: Vec<&str> = user_inputs.to_vec();
        for input in user_inputs {
            words.extend(input.split(|c: char| !c.is_alphanumeric()).filter(|w| w.chars().count() >= 3));
        }
        // zxcvbn reads at most the first 100 characters, so its cost is bounded.
        if zxcvbn::zxcvbn(password, &words).score() < MIN_SCORE {
            return Err(PasswordProblem::Guessable);
        }
        if password != confirmation {
            return Err(PasswordProblem::Mismatch);
        }
        Ok(Self(password.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str) -> Result<(), PasswordProblem> {
        NewPassword::parse(password, password, &["Ivy Invitee", "ivy@acme.example"]).map(|_| ())
    }

    #[test]
    fn twelve_characters_hard_to_guess_and_confirmed() {
        assert_eq!(check("short"), Err(PasswordProblem::TooShort));
        assert_eq!(check("ÅÄÖåäö한국어abc"), Ok(()), "characters, not bytes");
        assert_eq!(NewPassword::parse("ÅÄÖåäö한국어", "x", &[]).unwrap_err(), PasswordProblem::TooShort);
        for guessable in
            ["password1234", "PassWord1234", "qwertyuiopas", "aaaaaaaaaaaa", "123456789012", "iloveyou2024!"]
        {
            assert_eq!(check(guessable), Err(PasswordProblem::Guessable), "{guessable}");
        }
        assert_eq!(
            NewPassword::parse("lanterns by the quay", "lanterns by the quai", &[]).unwrap_err(),
            PasswordProblem::Mismatch
        );
        assert_eq!(check("lanterns by the quay"), Ok(()), "no composition rules");
        let long = "x".repeat(MAX_CHARS + 1);
        assert_eq!(check(&long), Err(PasswordProblem::TooLong));
    }

    #[test]
    fn the_users_own_name_and_address_are_guessed_first() {
        let inputs = ["Ivy Invitee", "ivy@acme.example"];
        let own = "ivy@acme.example";
        assert_eq!(NewPassword::parse(own, own, &inputs).unwrap_err(), PasswordProblem::Guessable);
        // The same password is fine for someone whose name it is not.
        assert!(NewPassword::parse(own, own, &["Bo Berg", "bo@north.example"]).is_ok());
    }
}
