//! Resident ID numbers (居民身份证号码, GB 11643-1999): normalisation and the ISO 7064 MOD 11-2 check digit.

/// Why an ID number was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNoError {
    /// Wrong length or characters.
    #[error("{0:?} is not an 18-character ID number (17 digits and a digit or X)")]
    Malformed(String),
    /// The last character does not match.
    #[error("{value:?} has check digit {found}, but its first 17 digits give {expected}")]
    CheckDigit {
        /// The normalised number.
        value: String,
        /// The last character as given.
        found: char,
        /// The correct check character.
        expected: char,
    },
}

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// The check character for the first 17 digits.
pub fn check_char(first17: &str) -> Option<char> {
    let digits: Vec<u32> = first17
        .chars()
        .map(|c| c.to_digit(10))
        .collect::<Option<_>>()?;
    if digits.len() != 17 {
        return None;
    }
    let sum: u32 = digits.iter().zip(WEIGHTS).map(|(d, w)| d * w).sum();
    Some(CHECK[(sum % 11) as usize])
}

/// Trims spaces, folds full-width characters, upper-cases `x`, then checks length and check digit.
pub fn normalise(raw: &str) -> Result<String, IdNoError> {
    let value: String = raw
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            other => other,
        })
        .collect();
    let chars: Vec<char> = value.chars().collect();
    if chars.len() != 18
        || !chars[..17].iter().all(char::is_ascii_digit)
        || !(chars[17].is_ascii_digit() || chars[17] == 'X')
    {
        return Err(IdNoError::Malformed(raw.trim().to_string()));
    }
    let expected =
        check_char(&value[..17]).ok_or_else(|| IdNoError::Malformed(raw.trim().to_string()))?;
    if chars[17] != expected {
        return Err(IdNoError::CheckDigit {
            value,
            found: chars[17],
            expected,
        });
    }
    Ok(value)
}

/// Masked display form: `****` and the last four characters, as on the CHSI code screen.
pub fn mask(id_no: &str) -> String {
    let tail: String = id_no
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("****{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_numbers_including_x() {
        // GB 11643 example number.
        assert_eq!(
            normalise("11010519491231002X").unwrap(),
            "11010519491231002X"
        );
        assert_eq!(
            normalise(" 11010519491231002x ").unwrap(),
            "11010519491231002X"
        );
        assert_eq!(
            normalise("１１０１０５１９４９１２３１００２Ｘ").unwrap(),
            "11010519491231002X"
        );
    }

    #[test]
    fn wrong_check_digit_and_malformed() {
        assert_eq!(
            normalise("110105194912310021"),
            Err(IdNoError::CheckDigit {
                value: "110105194912310021".into(),
                found: '1',
                expected: 'X'
            })
        );
        assert!(matches!(normalise("12345"), Err(IdNoError::Malformed(_))));
        assert!(matches!(
            normalise("1101051949123100AX"),
            Err(IdNoError::Malformed(_))
        ));
    }

    #[test]
    fn masks_last_four() {
        assert_eq!(mask("11010519491231002X"), "****002X");
    }
}
