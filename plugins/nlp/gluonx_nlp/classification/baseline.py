"""The baseline a sequence classifier must beat: logistic regression on bag-of-words counts (scikit-learn)."""

__all__ = ["bag_of_words_baseline"]


def bag_of_words_baseline(train_texts, train_labels, test_texts, test_labels, ngram_range=(1, 1), C=1.0):
    """Held-out accuracy of ``LogisticRegression`` on word counts (``CountVectorizer``; tokens split on spaces).

    Parameters
    ----------
    train_texts, test_texts : list of str
    train_labels, test_labels : sequence of int
    ngram_range : (int, int)
        ``(1, 1)``: a bag of words; ``(1, 2)`` adds word pairs.
    C : float
        Inverse regularization strength.

    Returns
    -------
    float
        Accuracy on the test texts.
    """
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    vectorizer = CountVectorizer(token_pattern=r"[^ ]+", ngram_range=tuple(ngram_range), lowercase=True)
    features = vectorizer.fit_transform(train_texts)
    model = LogisticRegression(C=C, max_iter=2000).fit(features, train_labels)
    return float(model.score(vectorizer.transform(test_texts), test_labels))
