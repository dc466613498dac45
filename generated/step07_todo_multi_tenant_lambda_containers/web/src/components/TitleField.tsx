// A todo title input with its label and validation message; used to add and to edit,
// so both say the same thing about a bad title.
import type { KeyboardEvent, ReactNode, Ref } from "react";

interface Props {
  id: string;
  label: string;
  /** Hide the label visually (it is still read out), for the compact inline editor. */
  hideLabel?: boolean;
  value: string;
  onChange: (value: string) => void;
  /** From titleProblem(value); shown once the user has typed something. */
  problem: string | null;
  disabled: boolean;
  placeholder?: string;
  inputRef?: Ref<HTMLInputElement>;
  onKeyDown?: (event: KeyboardEvent<HTMLInputElement>) => void;
  /** The buttons that sit beside the input. */
  children: ReactNode;
}

export function TitleField(props: Props) {
  const problemId = `${props.id}-problem`;
  // An untouched empty field is not an error yet; the disabled button says enough.
  const shownProblem = props.value === "" ? null : props.problem;
  return (
    <div className="title-field">
      <label htmlFor={props.id} className={props.hideLabel ? "visually-hidden" : "field-label"}>
        {props.label}
      </label>
      <div className="field-row">
        <input
          id={props.id}
          ref={props.inputRef}
          type="text"
          autoComplete="off"
          value={props.value}
          placeholder={props.placeholder}
          disabled={props.disabled}
          aria-invalid={shownProblem !== null}
          aria-describedby={problemId}
          onChange={(event) => props.onChange(event.target.value)}
          onKeyDown={props.onKeyDown}
        />
        {props.children}
      </div>
      <p id={problemId} className="field-problem" aria-live="polite">
        {shownProblem}
      </p>
    </div>
  );
}
